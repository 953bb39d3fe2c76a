"""Projects written the way Toloka's public docs and toloka-kit's examples write them, run against the
emulator: only the client's URL and token differ (plus, for the streaming pipeline, its polling period and
cursor lag, which the examples leave at a minute). Each downloads non-empty, correctly shaped answers."""
from __future__ import annotations

import asyncio
import datetime
import logging

import toloka.client as toloka
from toloka.client.project import template_builder as tb

from tests.emulator.conftest import crowd, emulator, population

FAST = population({"careful": {"share": 0.8, "accuracy": 0.9, "seconds_per_task": 0.02, "time_sigma": 0.1},
                   "sloppy": {"share": 0.2, "accuracy": 0.4, "seconds_per_task": 0.02, "time_sigma": 0.1}},
                  size=300, arrival_rate_per_minute=6000, session_pages={"mean": 4, "max": 8})


def _pool(project_id: str, name: str, overlap: int, real: int, golden: int = 0, auto_accept: bool = True) -> toloka.Pool:
    pool = toloka.Pool(project_id=project_id, private_name=name, may_contain_adult_content=False,
                       will_expire=datetime.datetime.utcnow() + datetime.timedelta(days=365), reward_per_assignment=0.01,
                       assignment_max_duration_seconds=600, auto_accept_solutions=auto_accept,
                       defaults=toloka.Pool.Defaults(default_overlap_for_new_tasks=overlap, default_overlap_for_new_task_suites=overlap))
    pool.set_mixer_config(real_tasks_count=real, golden_tasks_count=golden, training_tasks_count=0)
    return pool


def _wait_pool(client, pool_id: str, timeout: float = 60.0) -> toloka.Pool:
    """The docs' wait loop: poll the pool until it is no longer open."""
    import time

    deadline = time.monotonic() + timeout
    pool = client.get_pool(pool_id)
    while pool.is_open():
        assert time.monotonic() < deadline, f"pool {pool_id} still open"
        time.sleep(0.1)
        pool = client.get_pool(pool_id)
    return pool


def test_a_side_by_side_project_gets_left_or_right_and_control_answers_are_mostly_right(tmp_path):
    with emulator(crowd(FAST, time_scale=1e7), None, tmp_path) as (_, client):
        view = toloka.project.view_spec.TemplateBuilderViewSpec(view=tb.ListViewV1([
            tb.SideBySideLayoutV1(
                controls=tb.ButtonRadioGroupFieldV1(tb.OutputData("result"), [
                    tb.GroupFieldOption("left", "Left"), tb.GroupFieldOption("right", "Right")]),
                items=[tb.ImageViewV1(tb.InputData("image_left")), tb.ImageViewV1(tb.InputData("image_right"))])]))
        project = client.create_project(toloka.Project(
            public_name="Which image is prettier?", public_description="Compare two images",
            task_spec=toloka.project.task_spec.TaskSpec(
                input_spec={"image_left": toloka.project.UrlSpec(), "image_right": toloka.project.UrlSpec()},
                output_spec={"result": toloka.project.StringSpec(allowed_values=["left", "right"])},
                view_spec=view)))
        pool = client.create_pool(_pool(project.id, "sbs", overlap=3, real=4, golden=1))
        pairs = [{"image_left": f"https://example.com/a{i}.png", "image_right": f"https://example.com/b{i}.png"} for i in range(40)]
        tasks = [toloka.Task(pool_id=pool.id, input_values=p) for p in pairs[:30]]
        tasks += [toloka.Task(pool_id=pool.id, input_values=p, infinite_overlap=True,
                              known_solutions=[toloka.Task.KnownSolution(output_values={"result": "left"})]) for p in pairs[30:]]
        client.create_tasks(tasks, allow_defaults=True, open_pool=True)
        assert _wait_pool(client, pool.id).last_close_reason.value == "COMPLETED"
        logging.getLogger("toloka").setLevel(logging.ERROR)
        df = client.get_assignments_df(pool.id)
    assert len(df) and set(df["OUTPUT:result"]) <= {"left", "right"}
    control = df[df["GOLDEN:result"].notna()]
    real = df[df["GOLDEN:result"].isna()]
    assert len(real) == 30 * 3 and real.groupby("INPUT:image_left").size().eq(3).all()
    assert (control["OUTPUT:result"] == "left").mean() > 0.7, "workers answer known tasks with their accuracy"


def test_bounding_boxes_verified_by_a_streaming_pipeline(tmp_path):
    """toloka-kit's streaming example: a detection pool (boxes, JSON output) whose submitted pages become
    tasks of a verification pool; the verdicts accept or reject the pages (reassigning rejected pages with
    ChangeOverlap is tested in test_collectors)."""
    from toloka.streaming import AssignmentsObserver, Pipeline
    from toloka.streaming.event import AssignmentEvent

    with emulator(crowd(FAST, time_scale=1.0), None, tmp_path) as (_, client):
        labels = [tb.ImageAnnotationFieldV1.Label(value="car", label="Car"),
                  tb.ImageAnnotationFieldV1.Label(value="person", label="Person")]
        detection = client.create_project(toloka.Project(
            public_name="Outline every car and person", public_description="Draw boxes",
            task_spec=toloka.project.task_spec.TaskSpec(
                input_spec={"image": toloka.project.UrlSpec()},
                output_spec={"result": toloka.project.JsonSpec()},
                view_spec=toloka.project.view_spec.TemplateBuilderViewSpec(view=tb.ImageAnnotationFieldV1(
                    tb.OutputData("result"), tb.InputData("image"), labels=labels, shapes={"rectangle": True, "polygon": True})))))
        verification = client.create_project(toloka.Project(
            public_name="Are the boxes right?", public_description="Check the boxes",
            task_spec=toloka.project.task_spec.TaskSpec(
                input_spec={"image": toloka.project.UrlSpec(), "found": toloka.project.JsonSpec(),
                            "assignment_id": toloka.project.StringSpec()},
                output_spec={"result": toloka.project.StringSpec(allowed_values=["OK", "BAD"])},
                view_spec=toloka.project.view_spec.ClassicViewSpec(markup="<p>{{img src=image}}</p>"))))
        find_pool = client.create_pool(_pool(detection.id, "find", overlap=1, real=1, auto_accept=False))
        check_pool = client.create_pool(_pool(verification.id, "check", overlap=1, real=2))
        images = [f"https://example.com/street{i}.jpg" for i in range(8)]
        client.create_tasks([toloka.Task(pool_id=find_pool.id, input_values={"image": url}) for url in images],
                            allow_defaults=True, open_pool=True)
        verdicts: dict[str, str] = {}

        def handle_submitted(events: list[AssignmentEvent]) -> None:
            tasks = [toloka.Task(pool_id=check_pool.id, unavailable_for=[e.assignment.user_id],
                                 input_values={"image": task.input_values["image"], "found": solution.output_values["result"],
                                               "assignment_id": e.assignment.id})
                     for e in events for task, solution in zip(e.assignment.tasks, e.assignment.solutions)]
            client.create_tasks(tasks, open_pool=True, allow_defaults=True)

        def handle_checked(events: list[AssignmentEvent]) -> None:
            for e in events:
                for task, solution in zip(e.assignment.tasks, e.assignment.solutions):
                    target, verdict = task.input_values["assignment_id"], solution.output_values["result"]
                    assert target not in verdicts, "each verification event is seen once"
                    verdicts[target] = verdict
                    if verdict == "OK":
                        client.accept_assignment(target, "Well done")
                    else:
                        client.reject_assignment(target, "Boxes are wrong")

        pipeline = Pipeline(period=datetime.timedelta(seconds=0.05))
        lag = datetime.timedelta(0)
        pipeline.register(AssignmentsObserver(client, find_pool.id, cursor_time_lag=lag)).on_submitted(handle_submitted)
        pipeline.register(AssignmentsObserver(client, check_pool.id, cursor_time_lag=lag)).on_accepted(handle_checked)
        for _ in range(30):   # the pipeline stops when both pools look closed at once; a reopened pool needs another run
            asyncio.run(pipeline.run())
            pending = client.find_assignments(pool_id=find_pool.id, status=["ACTIVE", "SUBMITTED"], limit=1).items
            if not pending and not client.get_pool(find_pool.id).is_open():
                break
        found = list(client.get_assignments(pool_id=find_pool.id))
        checks = list(client.get_assignments(pool_id=check_pool.id))
    assert len(found) == len(images) and set(verdicts) == {a.id for a in found}, "every outline was verified once"
    assert {a.id: a.status.value for a in found} == {k: "ACCEPTED" if v == "OK" else "REJECTED" for k, v in verdicts.items()}
    assert sum(len(a.tasks) for a in checks) == len(found) and {s.output_values["result"] for a in checks for s in a.solutions} <= {"OK", "BAD"}
    for a in found:
        shapes = a.solutions[0].output_values["result"]
        assert isinstance(shapes, list) and shapes
        for shape in shapes:
            assert shape["shape"] in ("rectangle", "polygon") and shape["label"] in ("car", "person")
            if shape["shape"] == "rectangle":
                assert all(0 <= shape[k] <= 1 for k in ("left", "top", "width", "height"))
            else:
                assert len(shape["points"]) >= 3 and all(0 <= p["left"] <= 1 and 0 <= p["top"] <= 1 for p in shape["points"])
    stamps = [t for a in found + checks for t in (a.created, a.submitted, a.accepted, a.rejected) if t is not None]
    assert max(stamps) <= datetime.datetime.now(datetime.timezone.utc), "at time_scale 1 nothing is timestamped in the future"
