"""Tracking: one offline ClearML task per job, the config without secrets, a clear error when a server
was required but is absent, nothing at all when tracking is off."""
from __future__ import annotations

import json

import pytest

from foodcrowd.record.tracking import (TrackingError, current, find_sessions, read_scalars, read_task, redact,
                                       tracking_session)
from tests.conftest import compose_cfg
from foodcrowd.validate import validate


def test_secret_values_are_redacted_but_env_var_names_kept():
    cfg = {"crowd": {"token_env": "TOLOKA_API_TOKEN", "token": "abc"},
           "s3": [{"secret_access_key": "x", "bucket": "b"}], "password": None}
    assert redact(cfg) == {"crowd": {"token_env": "TOLOKA_API_TOKEN", "token": "<redacted>"},
                           "s3": [{"secret_access_key": "<redacted>", "bucket": "b"}], "password": None}


def test_a_session_records_config_scalars_and_summary(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no user clearml.conf
    monkeypatch.delenv("CLEARML_API_HOST", raising=False)
    plain = validate(compose_cfg(["tracking.offline=auto"]))
    (tmp_path / "summary.json").write_text(json.dumps(
        {"run_dir": str(tmp_path), "cost_usd": 1.5, "datasets": {"raw": "ds-raw", "annotated": "ds-ann"}}))
    with tracking_session(plain, tmp_path) as tracker:
        assert current() is tracker and tracker.enabled
        for epoch in range(3):
            tracker.scalar("loss", "train", 1.0 / (epoch + 1), epoch)
    assert not current().enabled
    [session] = find_sessions(tmp_path)
    assert read_scalars(session)["loss"]["train"] == [(0, 1.0), (1, 0.5), (2, pytest.approx(1 / 3))]
    task = read_task(session)
    assert task["name"] == "food" and task["project_name"] == "foodcrowd"
    from clearml.utilities.pyhocon import ConfigFactory  # ClearML stores a connected dict as HOCON text

    connected = ConfigFactory.parse_string(task["configuration"]["config"]["value"])
    assert connected["experiment_name"] == "food" and connected["crowd"]["overlap"] == plain["crowd"]["overlap"]
    assert task["hyperparams"]["datasets"]["annotated"]["value"] == "ds-ann"
    assert {a["key"] for a in task["execution"]["artifacts"]} >= {"summary"}


def test_tracking_off_records_nothing(tmp_path):
    plain = validate(compose_cfg(["tracking=none"]))
    with tracking_session(plain, tmp_path) as tracker:
        tracker.scalar("loss", "train", 1.0, 0)
        assert not tracker.enabled
    assert not (tmp_path / "clearml").exists()


def test_online_required_without_a_server_stops_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CLEARML_API_HOST", "http://127.0.0.1:9")  # nothing listens there
    plain = validate(compose_cfg(["tracking.offline=false", "tracking.ping_timeout_seconds=0.5"]))
    with pytest.raises(TrackingError, match="is false but .* does not answer") as err:
        with tracking_session(plain, tmp_path):
            pass
    assert err.value.where == "tracking.offline" and "CLEARML_API_HOST" in err.value.fix


def test_a_plan_only_run_opens_no_task(tmp_path):
    plain = validate(compose_cfg(["action=plan", "tracking.offline=true"]))
    with tracking_session(plain, tmp_path) as tracker:
        assert not tracker.enabled
    assert not (tmp_path / "clearml").exists()
