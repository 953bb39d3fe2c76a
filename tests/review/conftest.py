"""A real Label Studio server (its own venv, a temporary data dir, a free loopback port) and headless
Chromium (Debian's package, driven by Playwright; no browser download) for the expert-loop tests.

The Label Studio venv is reused by path: ``$FOODCROWD_LS_VENV`` (``.ci/run`` creates it before the tests),
else ``~/.cache/foodcrowd/label-studio-venv`` (created on first use, about 1.5 min).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(os.environ.get("FOODCROWD_TEST_ARTIFACTS", "")) if os.environ.get("FOODCROWD_TEST_ARTIFACTS") else None


def ls_venv() -> Path:
    return Path(os.environ.get("FOODCROWD_LS_VENV") or Path.home() / ".cache" / "foodcrowd" / "label-studio-venv")


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory):
    """A running server; yields it (``url``, ``credentials``, ``data_dir``, ``files_dir``, ``venv``)."""
    from foodcrowd.review.service import LabelStudioServer

    base = tmp_path_factory.mktemp("label-studio")
    server = LabelStudioServer(ls_venv(), base / "data", base / "files")
    server.start(timeout=600)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def review_overrides(label_studio):
    """Config overrides that point foodcrowd's ``review`` group at the test server."""
    return [f"review.venv={label_studio.venv}", f"review.data_dir={label_studio.data_dir}",
            f"review.files_dir={label_studio.files_dir}", "review.poll_seconds=1"]


@pytest.fixture(scope="session")
def browser(chromium_browser):
    return chromium_browser


@pytest.fixture()
def expert_page(browser, label_studio):
    """A page logged in to Label Studio as the expert, by typing the credentials and clicking Log In."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(label_studio.url + "/user/login/")
    page.fill('input[name="email"]', label_studio.credentials.email)
    page.fill('input[name="password"]', label_studio.credentials.password)
    page.click('button[type="submit"]')
    page.wait_for_url(lambda u: "/login" not in u, timeout=60_000)
    yield page
    context.close()


def save_artifact(path: Path, name: str) -> None:
    """Copy a screenshot to ``$FOODCROWD_TEST_ARTIFACTS`` when set (docs/img/ for the README)."""
    if ARTIFACTS is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, ARTIFACTS / name)
