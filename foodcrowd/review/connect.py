"""From the ``review`` config to a Label Studio client, and images to URLs Label Studio can show.

``review.url`` set: an existing server, its token in the environment variable ``review.token_env``.
``review.url`` null: the local server foodcrowd manages (``python -m foodcrowd.review serve``); when none is
running under ``review.data_dir`` one is started and left running for the expert (stop it with
``python -m foodcrowd.review stop``). Images: an ``http(s)`` item URL is used as is; a local file is copied
once (content-addressed) into ``review.files_dir``, which Label Studio serves as a local-files storage.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
from pathlib import Path

from foodcrowd.review.client import LabelStudioClient
from foodcrowd.review.service import Credentials, LabelStudioError, LabelStudioServer

__all__ = ["connect", "running_url", "stage_images", "ExpertsPending"]

log = logging.getLogger(__name__)


class ExpertsPending(LabelStudioError):
    """The expert has not finished yet: the run stops here and resumes here (exit code 3)."""

    exit_code = 3


def running_url(data_dir: Path) -> str | None:
    """The URL of the managed server running on ``data_dir``, or None."""
    import httpx

    state = Path(data_dir) / "server.json"
    if not state.exists():
        return None
    url = json.loads(state.read_text()).get("url")
    try:
        return url if httpx.get(url + "/health", timeout=3).status_code == 200 else None
    except httpx.HTTPError:
        return None


def connect(review: dict) -> LabelStudioClient:
    """A client for ``review.url`` or the managed local server (started when none is running)."""
    if review.get("url"):
        env = review.get("token_env") or "LABEL_STUDIO_API_KEY"
        token = os.environ.get(env)
        if not token:
            raise LabelStudioError(f"review.url is set but ${env} is empty", env,
                                   f"export {env}=<the API token from Label Studio's Account & Settings>")
        return LabelStudioClient(review["url"], token)
    data_dir = Path(review["data_dir"]).expanduser()
    url = running_url(data_dir)
    if url is None:
        server = LabelStudioServer(Path(review["venv"]).expanduser(), data_dir, Path(review["files_dir"]).expanduser(),
                                   port=review.get("port"), version=str(review.get("version") or "1.23.2"))
        server.start()
        url = server.url
        print(f"Label Studio is running at {url} (log in as {server.credentials.email}; the password is in "
              f"{data_dir / 'credentials.json'}). Stop it with: python -m foodcrowd.review stop", file=sys.stderr)
    return LabelStudioClient(url, Credentials.load_or_create(data_dir).token)


def _document_root(review: dict) -> Path:
    return Path(review.get("document_root") or review["files_dir"]).expanduser().resolve()


def stage_images(items, review: dict) -> tuple[list[str], str | None]:
    """(Label Studio image URL per item, the folder to register as local-files storage or None)."""
    files = Path(review["files_dir"]).expanduser().resolve()
    root = _document_root(review)
    out, used = [], False
    for path, url in zip(items["path"], items["url"]):
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            out.append(url)
            continue
        if not isinstance(path, str) or not Path(path).is_file():
            raise LabelStudioError(f"item image {path!r} is missing", "data/items.parquet",
                                   "re-run the data stage, or fix the dataset's files")
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:24]
        dest = files / "foodcrowd" / (digest + Path(path).suffix.lower())
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest.with_suffix(".part"))
            dest.with_suffix(".part").replace(dest)
        out.append("/data/local-files/?d=" + dest.relative_to(root).as_posix())
        used = True
    return out, str(files / "foodcrowd") if used else None
