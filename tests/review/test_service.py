"""foodcrowd against an existing Label Studio (``review.url`` + a token from the environment): a personal
access token (JWT refresh -> access), a wrong token, no token. Uses the session's real server."""
from __future__ import annotations

import httpx
import pytest

from tests.conftest import run_cli
from tests.review.browser import project_id_from, tasks_by_item

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _preview(tmp_path, label_studio, token: str | None, *extra):
    env = {"FOODCROWD_HOME": str(tmp_path / "home"), "LABEL_STUDIO_API_KEY": token or ""}
    return run_cli("+experiment=food", "action=preview", "dataset.size=20", "quality.control_tasks.sample=5",
                   "review.preview_items=2", f"review.url={label_studio.url}",
                   f"review.document_root={label_studio.files_dir}", f"review.files_dir={label_studio.files_dir}/ext",
                   f"hydra.run.dir={tmp_path / 'run'}", *extra, env=env)


def test_an_existing_server_with_a_personal_access_token(tmp_path, label_studio):
    reply = httpx.post(label_studio.url + "/api/token/", headers={"Authorization": f"Token {label_studio.credentials.token}"})
    assert reply.status_code == 201
    pat = reply.json()["token"]                                     # a JWT refresh token
    proc = _preview(tmp_path, label_studio, pat, "experiment_name=pat")
    assert proc.returncode == 0, proc.stderr[-3000:]
    tasks = tasks_by_item(label_studio, project_id_from(proc.stdout))
    assert len(tasks) == 2
    image = next(iter(tasks.values()))["data"]["image"]
    assert image.startswith("/data/local-files/?d=ext/")           # staged under the server's document root
    served = httpx.get(label_studio.url + image, headers={"Authorization": f"Token {label_studio.credentials.token}"})
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/") and served.content
    assert pat not in proc.stdout + proc.stderr


def test_a_wrong_or_missing_token_is_a_one_screen_error(tmp_path, label_studio):
    wrong = _preview(tmp_path, label_studio, "not-a-token-at-all")
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert "LABEL_STUDIO_API_KEY" in wrong.stderr and "refused the token" in wrong.stderr
    missing = _preview(tmp_path, label_studio, None)
    assert missing.returncode == 2 and "review.url" in missing.stderr and "LABEL_STUDIO_API_KEY" in missing.stderr
