"""Semantics the schema cannot express, written as Toloka's docs and toloka-kit's docs use the client: only
the client's URL and token differ from a real Toloka run. An image classification project (cat / dog / other)
with a training and control tasks, Toloka-side aggregation, clones, task suites, bonuses, messages, user
metadata, webhooks, and Toloka's refusals.
"""
from __future__ import annotations

import datetime
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest


CLASSES = ["cat", "dog", "other"]


def _project(client):
    import toloka.client as toloka

    # as in Toloka's image classification example: a URL input, a string output with allowed values
    project = toloka.Project(
        public_name="Cats and dogs", public_description="Look at the picture and say what is on it",
        task_spec=toloka.project.task_spec.TaskSpec(
            input_spec={"image": toloka.project.field_spec.UrlSpec()},
            output_spec={"result": toloka.project.field_spec.StringSpec(allowed_values=CLASSES)},
            view_spec=toloka.project.view_spec.ClassicViewSpec(markup="{{img src=image}}{{field type='radio' name='result'}}")))
    return client.create_project(project)


def _training(client, project_id):
    import toloka.client as toloka

    training = client.create_training(toloka.Training(
        project_id=project_id, private_name="Training", may_contain_adult_content=False,
        assignment_max_duration_seconds=600, mix_tasks_in_creation_order=True, shuffle_tasks_in_task_suite=True,
        training_tasks_in_task_suite_count=3, task_suites_required_to_pass=1, retry_training_after_days=1,
        inherited_instructions=True))
    client.create_tasks([toloka.Task(pool_id=training.id, input_values={"image": f"https://example.org/t{i}.jpg"},
                                     known_solutions=[toloka.Task.KnownSolution(output_values={"result": CLASSES[i % 3]})],
                                     message_on_unknown_solution="look again") for i in range(3)])
    return training


def _pool(client, project_id, training_id=None, **extra):
    import toloka.client as toloka

    pool = toloka.Pool(project_id=project_id, private_name="Pool 1", may_contain_adult_content=False,
                       will_expire=datetime.datetime.utcnow() + datetime.timedelta(days=365),
                       reward_per_assignment=0.01, assignment_max_duration_seconds=60 * 20,
                       defaults=toloka.Pool.Defaults(default_overlap_for_new_task_suites=3), **extra)
    pool.set_mixer_config(real_tasks_count=4, golden_tasks_count=1)
    pool.filter = toloka.filter.Languages.in_("EN")
    if training_id:
        pool.set_training_requirement(training_pool_id=training_id, training_passing_skill_value=60)
    pool.quality_control.add_action(
        collector=toloka.collectors.GoldenSet(history_size=5),
        conditions=[toloka.conditions.GoldenSetCorrectAnswersRate < 50],
        action=toloka.actions.RestrictionV2(scope="PROJECT", duration=1, duration_unit="DAYS", private_comment="Control tasks"))
    return client.create_pool(pool)


def _fill(client, pool_id, n=40):
    import toloka.client as toloka

    tasks = [toloka.Task(pool_id=pool_id, input_values={"image": f"https://example.org/{i}.jpg"}) for i in range(n)]
    tasks += [toloka.Task(pool_id=pool_id, input_values={"image": f"https://example.org/g{i}.jpg"},
                          known_solutions=[toloka.Task.KnownSolution(output_values={"result": CLASSES[i % 3]})])
              for i in range(10)]
    client.create_tasks(tasks, allow_defaults=True)


def _finish(client, pool_id, timeout=60.0):
    client.open_pool(pool_id)
    deadline = time.monotonic() + timeout
    while not client.get_pool(pool_id).is_closed():
        assert time.monotonic() < deadline, "the pool never closed"
        time.sleep(0.05)


def test_image_classification_with_training_and_control_tasks_downloads_answers(toloka_emulator):
    handle, client = toloka_emulator
    project = _project(client)
    training = _training(client, project.id)
    pool = _pool(client, project.id, training.id)          # auto_accept_solutions left unset: Toloka accepts
    assert client.get_pool(pool.id).auto_accept_solutions is True
    _fill(client, pool.id)
    client.open_pool(training.id)
    _finish(client, pool.id)
    df = client.get_assignments_df(pool.id)                 # Toloka's default: accepted answers
    assert len(df) > 0 and set(df["OUTPUT:result"]) <= set(CLASSES)
    assert {"INPUT:image", "ASSIGNMENT:worker_id"} <= set(df.columns)
    answers = list(client.get_assignments(pool_id=pool.id, status="ACCEPTED"))
    assert answers and all(s.output_values["result"] in CLASSES for a in answers for s in a.solutions)
    # a training is a pool for the pool endpoints too
    assert client.get_pool(training.id).id == training.id
    client.close_pool(training.id)
    assert client.get_training(training.id).status.value == "CLOSED"


@pytest.mark.parametrize("method", ["DAWID_SKENE", "WEIGHTED_DYNAMIC_OVERLAP"])
def test_toloka_side_aggregation_answers_every_task(toloka_emulator, method):
    import toloka.client as toloka_client

    _, client = toloka_emulator
    project = _project(client)
    skill = client.create_skill(name="Accuracy", hidden=True)
    pool = _pool(client, project.id)
    _fill(client, pool.id, n=20)
    _finish(client, pool.id)
    request = toloka_client.aggregation.PoolAggregatedSolutionRequest(
        type=method, pool_id=pool.id, answer_weight_skill_id=skill.id,
        fields=[toloka_client.aggregation.PoolAggregatedSolutionRequest.Field(name="result")])
    operation = client.wait_operation(client.aggregate_solutions_by_pool(request))
    solutions = list(client.get_aggregated_solutions(operation.id))
    real = {t.id for t in client.get_tasks(pool_id=pool.id) if not t.known_solutions}
    assert {s.task_id for s in solutions} == real
    assert all(s.output_values["result"] in CLASSES and 0 < s.confidence <= 1 for s in solutions)
    one = client.aggregate_solutions_by_task(toloka_client.aggregation.WeightedDynamicOverlapTaskAggregatedSolutionRequest(
        task_id=solutions[0].task_id, pool_id=pool.id, answer_weight_skill_id=skill.id,
        fields=[toloka_client.aggregation.WeightedDynamicOverlapTaskAggregatedSolutionRequest.Field(name="result")]))
    assert one.task_id == solutions[0].task_id and one.output_values["result"] in CLASSES


def test_clone_task_suites_and_patches(toloka_emulator):
    import toloka.client as toloka_client

    _, client = toloka_emulator
    project = _project(client)
    training = _training(client, project.id)
    pool = _pool(client, project.id, training.id)
    copy = client.clone_pool(pool.id)
    assert copy.id != pool.id and copy.private_name == pool.private_name and copy.status.value == "CLOSED"
    assert copy.quality_control.training_requirement.training_pool_id == training.id
    assert client.clone_training(training.id).private_name == "Training"
    suites = [toloka_client.TaskSuite(pool_id=copy.id, overlap=2, tasks=[
        toloka_client.Task(input_values={"image": f"https://example.org/s{k}-{i}.jpg"}) for i in range(3)]) for k in range(4)]
    created = client.create_task_suites(suites)
    listed = list(client.get_task_suites(pool_id=copy.id))
    assert [s.id for s in listed] == [s.id for s in created.items.values()] and all(len(s.tasks) == 3 for s in listed)
    patched = client.patch_task_suite(listed[0].id, overlap=4)
    assert patched.overlap == 4
    assert client.patch_pool(copy.id, priority=7).priority == 7


def test_bonuses_move_the_balance_and_the_spend(toloka_emulator):
    import toloka.client as toloka_client

    handle, client = toloka_emulator
    project = _project(client)
    pool = _pool(client, project.id)
    _fill(client, pool.id, n=12)
    _finish(client, pool.id)
    worker = next(iter(client.get_assignments(pool_id=pool.id))).user_id
    before, spend = client.get_requester().balance, handle.snapshot()["spend"]
    bonus = client.create_user_bonus(toloka_client.user_bonus.UserBonus(
        user_id=worker, amount=Decimal("0.50"), public_title={"EN": "Good job"}, public_message={"EN": "Thanks"}))
    assert bonus.id and client.get_user_bonus(bonus.id).user_id == worker
    assert [b.id for b in client.get_user_bonuses(user_id=worker)] == [bonus.id]
    fee = handle.state.fee
    assert float(client.get_requester().balance) == pytest.approx(float(before) - 0.5 * (1 + fee))
    assert handle.snapshot()["spend"] == pytest.approx(spend + 0.5 * (1 + fee))
    with pytest.raises(toloka_client.exceptions.ValidationApiError):
        client.create_user_bonus(toloka_client.user_bonus.UserBonus(user_id="nobody", amount=Decimal("1"),
                                                                    without_message=True))
    # the Toloker behind the bonus: metadata, messages
    user = client.get_user(worker)
    assert user.id == worker and user.languages
    thread = client.compose_message_thread(recipients_select_type="DIRECT", recipients_ids=[worker],
                                           topic={"EN": "Bonus"}, text={"EN": "You got a bonus"}, answerable=True)
    client.reply_message_thread(thread.id, toloka_client.message_thread.MessageThreadReply(text={"EN": "again"}))
    client.add_message_thread_to_folders(thread.id, ["IMPORTANT"])
    assert [t.id for t in client.get_message_threads(folder="IMPORTANT")] == [thread.id]


def test_user_skills_can_be_deleted(toloka_emulator):
    _, client = toloka_emulator
    skill = client.create_skill(name="Trust")
    user_skill = client.set_user_skill(skill_id=skill.id, user_id="w1", value=Decimal(80))
    assert [s.id for s in client.get_user_skills(skill_id=skill.id)] == [user_skill.id]
    client.delete_user_skill(user_skill.id)
    assert list(client.get_user_skills(skill_id=skill.id)) == []


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length") or 0)
        self.received.append((self.headers.get("Toloka-Signature"), json.loads(self.rfile.read(length))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):  # quiet
        pass


def test_webhooks_post_each_event_once_to_the_subscriber(toloka_emulator):
    import toloka.client as toloka_client

    _, client = toloka_emulator
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hook"
        project = _project(client)
        pool = _pool(client, project.id)
        _fill(client, pool.id, n=12)
        result = client.upsert_webhook_subscriptions([
            {"webhook_url": url, "event_type": "ASSIGNMENT_SUBMITTED", "pool_id": pool.id, "secret_key": "s3cret"},
            {"webhook_url": url, "event_type": "POOL_CLOSED", "pool_id": pool.id}])
        assert len(result.items) == 2 and not result.validation_errors
        _finish(client, pool.id)
        submitted = {a.id for a in client.get_assignments(pool_id=pool.id) if a.submitted is not None}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            events = [e for _, body in _Hook.received for e in body["events"]]
            if {e["type"] for e in events} == {"ASSIGNMENT_SUBMITTED", "POOL_CLOSED"} and \
                    {e["assignment_id"] for e in events if e["type"] == "ASSIGNMENT_SUBMITTED"} == submitted:
                break
            time.sleep(0.1)
        events = [e for _, body in _Hook.received for e in body["events"]]
        ids = [e["assignment_id"] for e in events if e["type"] == "ASSIGNMENT_SUBMITTED"]
        assert sorted(ids) == sorted(submitted) and len(ids) == len(set(ids))        # each once
        assert [e["close_reason"] for e in events if e["type"] == "POOL_CLOSED"] == ["COMPLETED"]
        assert all(sig for sig, body in _Hook.received if body["events"][0]["type"] == "ASSIGNMENT_SUBMITTED")
        sub = next(s for s in client.get_webhook_subscriptions(pool_id=pool.id) if s.event_type.value == "POOL_CLOSED")
        client.delete_webhook_subscription(sub.id)
        with pytest.raises(toloka_client.exceptions.DoesNotExistApiError):
            client.get_webhook_subscription(sub.id)
    finally:
        server.shutdown()


def test_toloka_refusals(toloka_emulator):
    import httpx
    import toloka.client as toloka_client

    handle, client = toloka_emulator
    E = toloka_client.exceptions
    project = _project(client)
    with pytest.raises(E.ValidationApiError) as err:              # a pool needs private_name and will_expire
        client.create_pool(toloka_client.Pool(project_id=project.id, reward_per_assignment=0.01,
                                              assignment_max_duration_seconds=60))
    assert {"private_name", "will_expire"} <= set(err.value.payload)
    pool = _pool(client, project.id)
    with pytest.raises(E.ValidationApiError) as err:              # a URL input is a URL string
        client.create_task(toloka_client.Task(pool_id=pool.id, input_values={"image": 123}))
    assert "input_values.image" in err.value.payload
    with pytest.raises(E.ValidationApiError):                     # a control answer outside the allowed values
        client.create_task(toloka_client.Task(pool_id=pool.id, input_values={"image": "https://example.org/x.jpg"},
                                              known_solutions=[toloka_client.Task.KnownSolution(output_values={"result": "horse"})]))
    pool.filter = toloka_client.filter.Languages.in_("FR")       # nobody in this crowd: the pool stays open
    client.update_pool(pool.id, pool)
    _fill(client, pool.id, n=4)
    client.open_pool(pool.id)
    assert client.get_pool(pool.id).is_open()
    with pytest.raises(E.ConflictStateApiError):                  # a project with a live pool stays
        client.archive_project(project.id)
    with pytest.raises(E.ConflictStateApiError):                  # an open pool is closed before it changes
        client.update_pool(pool.id, client.get_pool(pool.id))
    client.close_pool(pool.id)
    client.open_pool(pool.id)                                     # reopen
    client.close_pool(pool.id)
    assert client.archive_project(project.id).status.value == "ARCHIVED"
    for headers in ({}, {"Authorization": "OAuth not-the-token"}):
        response = httpx.get(handle.url + "/api/v1/projects", headers=headers)
        assert response.status_code == 401 and response.json()["code"] == "AUTHENTICATION_ERROR"
    with pytest.raises(E.AuthenticationApiError):
        toloka_client.TolokaClient("wrong", url=handle.url, retries=0).find_projects()
