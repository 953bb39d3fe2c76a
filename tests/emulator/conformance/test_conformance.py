"""The emulator against Toloka's published OpenAPI description, property-based (schemathesis).

Every operation of ``foodcrowd/emulator/spec/fullApi.yaml`` is driven with requests generated from its
schemas, against a running emulator (loopback, a real project/pool/training with finished work in it):
- valid requests: answers never 5xx, and every 2xx body validates against the spec's response schema;
- requests the spec's schemas reject: refused with 4xx and Toloka's error body (``code``, ``message``, and
  a ``payload`` naming the fields for ``VALIDATION_ERROR``); a refusal is never ``DOES_NOT_EXIST`` for a
  path the emulator does not know.
Bounded: ``EXAMPLES`` examples per operation and mode, derandomised (the same requests every run).
"""
from __future__ import annotations

import pytest
import schemathesis

from foodcrowd.emulator.contract import bundled
from tests.emulator.conftest import (crowd, make_pool, make_project, make_training, make_world, population,
                                     run_until_closed, tasks_for)

EXAMPLES = 3
POP = population({"average": {"share": 1.0}}, size=60)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    import toloka.client as tc

    from foodcrowd.emulator import start
    from foodcrowd.emulator.webhooks import loopback_only

    world = make_world(30)
    handle = start(crowd(POP), {"food_type": {"type": "categorical", "objective": True, "classes": ["solid", "liquid", "other"]}},
                   world, tmp_path_factory.mktemp("conformance"))
    handle.state.webhook_guard = loopback_only      # generated subscriptions must never call out
    client = tc.TolokaClient(handle.token, url=handle.url, retries=2, timeout=30)
    project = make_project(client)
    training = make_training(client, project.id, size=5)
    client.create_tasks(tasks_for(training.id, world.head(5), golden=True), allow_defaults=True)
    pool = make_pool(client, project.id, overlap=2, real=3, golden=0)
    client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
    run_until_closed(client, pool.id)
    try:
        yield handle
    finally:
        handle.stop()


def _schema():
    return schemathesis.openapi.from_dict(bundled())


OPERATIONS = [r.ok() for r in _schema().get_all_operations()]


def _toloka_error_body(response) -> None:
    """A refusal carries Toloka's error body."""
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body.get("code"), str) and body["code"], f"error without a code: {body}"
    assert isinstance(body.get("message"), str), f"error without a message: {body}"
    if body["code"] == "VALIDATION_ERROR":
        assert isinstance(body.get("payload"), dict) and body["payload"], f"validation error without payload: {body}"


@pytest.mark.parametrize("label", [op.label for op in OPERATIONS])
def test_every_operation_answers_as_the_spec_says(running, label):
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import (content_type_conformance, negative_data_rejection, not_a_server_error,
                                     response_schema_conformance)

    operation = next(op for op in OPERATIONS if op.label == label)
    headers = {"Authorization": f"OAuth {running.token}"}
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance, negative_data_rejection]
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=["explicit", "generate"])
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            response = case.call(base_url=running.url + "/api/v1", headers=headers, timeout=30)
            case.validate_response(response, checks=checks)
            _toloka_error_body(response)
        check()
