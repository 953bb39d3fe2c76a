"""What an expert does in Label Studio, as clicks: open a task of a project, pick choices, submit."""
from __future__ import annotations

import json
import time
from pathlib import Path

from foodcrowd.review.client import LabelStudioClient


def tasks_by_item(server, project_id: int) -> dict[str, dict]:
    with LabelStudioClient(server.url, server.credentials.token) as client:
        return {str(t["data"]["item_id"]): t for t in client.export(project_id)}


def project_id_from(text: str) -> int:
    """The project id in the ``.../projects/<id>/data`` URL foodcrowd printed."""
    import re

    found = re.findall(r"/projects/(\d+)/data", text)
    assert found, f"no Label Studio project URL in: {text[-1500:]}"
    return int(found[-1])


def label_by_clicking(page, server, project_id: int, task_id: int, picks: list[str], unpick: list[str] = (),
                      screenshot: Path | None = None) -> None:
    """Open the task in the labeling view, click each choice text in ``picks`` (and ``unpick`` to clear a
    pre-selected one first), screenshot, click Submit, and wait until Label Studio stored the annotation."""
    page.goto(f"{server.url}/projects/{project_id}/data?task={task_id}")
    wait_until_ready(page)
    if page.get_by_text("Labeling Instructions").count():
        page.keyboard.press("Escape")       # the instructions pop up first; close them
    for text in [*unpick, *picks]:   # each choice is a radio / checkbox named after its text
        page.locator(f"input[name={json.dumps(text)}]").click()
    page.wait_for_timeout(300)
    if screenshot is not None:
        page.screenshot(path=str(screenshot))
    before = _annotations(server, project_id, task_id)
    page.get_by_role("button", name="Submit").click()
    deadline = time.monotonic() + 60
    while _annotations(server, project_id, task_id) <= before:
        assert time.monotonic() < deadline, f"task {task_id}: the submitted annotation never reached the server"
        time.sleep(0.5)


def wait_until_ready(page) -> None:
    """Until the task is loaded: the Submit button enabled and the image drawn."""
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Submit")).to_be_enabled(timeout=90_000)
    page.wait_for_function("() => [...document.images].some(i => i.complete && i.naturalWidth > 100)",
                           timeout=60_000)
    page.wait_for_timeout(500)


def _annotations(server, project_id: int, task_id: int) -> int:
    with LabelStudioClient(server.url, server.credentials.token) as client:
        for t in client.export(project_id):
            if t["id"] == task_id:
                return len([a for a in t.get("annotations") or () if not a.get("was_cancelled")])
    return 0


def join_by_invite(browser, server, email: str, password: str):
    """A second annotator: signs up through the organisation's invite link (open sign-up is off on the
    managed server) and stays logged in; returns the page."""
    with LabelStudioClient(server.url, server.credentials.token) as client:
        invite = client._call("GET", "/api/invite")["invite_url"]
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(server.url + invite)
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda u: "/signup" not in u, timeout=60_000)
    return page


def label_all_tasks(page, server, project_id: int, email: str, picks: list[list[str]]) -> dict[str, list[str]]:
    """What an annotator does in "Label All Tasks": Label Studio hands out the next task; click ``picks[k]``
    on the k-th, submit. Returns item_id -> the choices clicked (the task shown is read back from the
    server: the stream's URL does not name it)."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}/projects/{project_id}/data?labeling=1")
    done: dict[str, list[str]] = {}
    for choice in picks:
        expect(page.get_by_test_id("bottombar-submit-button")).to_be_enabled(timeout=90_000)
        page.wait_for_function("() => [...document.images].some(i => i.complete && i.naturalWidth > 100)",
                               timeout=60_000)
        page.wait_for_timeout(500)
        if page.get_by_text("Labeling Instructions").count():
            page.keyboard.press("Escape")
        for text in choice:
            page.locator(f"input[name={json.dumps(text)}]").click()
        page.get_by_test_id("bottombar-submit-button").click()
        deadline = time.monotonic() + 60
        while True:
            mine = _by_user(server, project_id, email)
            new = set(mine) - set(done)
            if new:
                done[new.pop()] = list(choice)
                break
            assert time.monotonic() < deadline, f"{email}: the submitted annotation never reached the server"
            time.sleep(0.5)
    return done


def _by_user(server, project_id: int, email: str) -> list[str]:
    """Item ids ``email`` has annotated in the project."""
    with LabelStudioClient(server.url, server.credentials.token) as client:
        ids = [i for i, e in client.users().items() if e == email]
        return [str(t["data"]["item_id"]) for t in client.export(project_id)
                if any(a.get("completed_by") in ids for a in t.get("annotations") or ())]
