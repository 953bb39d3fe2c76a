"""Mirror local versions to a ClearML server when one is configured and answers; read from it in ``get``.

A server counts as configured when ``CLEARML_API_HOST`` is set, or a ``clearml.conf``
(``CLEARML_CONFIG_FILE`` or ``~/clearml.conf``) names ``api_server``, and ClearML's offline mode is off.
It counts as reachable when ``<host>/debug.ping`` answers within ``PING_TIMEOUT`` seconds. Each pushed
version becomes a ClearML dataset (``Dataset.create`` with its parents' ClearML ids, ``add_files``,
``set_metadata``, tables and plots through the dataset's logger, ``upload``, ``finalize``); the mapping
local id -> ClearML id per server is kept in ``versions/<id>/clearml.json``, so nothing is pushed twice.
Credentials are ClearML's own (environment or clearml.conf); this module never reads or logs them.
"""
from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

from foodcrowd.datasets.errors import DatasetError

__all__ = ["server_host", "server_available", "maybe_push", "push", "get_from_server", "PING_TIMEOUT",
           "ClearMLSyncError"]

log = logging.getLogger(__name__)
PING_TIMEOUT = 3.0
_checked: dict[str, bool] = {}


class ClearMLSyncError(DatasetError):
    """A version could not be created on (or read from) the ClearML server."""


def _offline() -> bool:
    return os.environ.get("CLEARML_OFFLINE_MODE", "").strip().lower() in ("1", "true", "yes", "on")


def server_host() -> str | None:
    """The configured ClearML API server URL, or None (also None in ClearML's offline mode)."""
    if _offline():
        return None
    host = os.environ.get("CLEARML_API_HOST") or os.environ.get("TRAINS_API_HOST")
    if host:
        return host.rstrip("/")
    conf = Path(os.environ.get("CLEARML_CONFIG_FILE") or Path.home() / "clearml.conf")
    try:
        text = conf.read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"""^\s*api_server\s*[:=]\s*["']?([^"'\s#]+)""", text, re.MULTILINE)
    return match.group(1).rstrip("/") if match else None


def server_available(host: str | None = None) -> bool:
    """True when the server answers ``debug.ping`` within ``PING_TIMEOUT`` (checked once per process)."""
    import requests

    host = host or server_host()
    if not host:
        return False
    if host not in _checked:
        try:
            resp = requests.get(f"{host}/debug.ping", timeout=PING_TIMEOUT)
            _checked[host] = resp.status_code == 200
        except requests.RequestException:
            _checked[host] = False
    return _checked[host]


def maybe_push(version, registry) -> dict[str, Any]:
    """Push ``version`` (and missing parents) when a server is reachable; else say once that we stay local."""
    host = server_host()
    if not host or not server_available(host):
        why = "no ClearML server configured" if not host else f"the ClearML server {host} does not answer"
        # the default (no server) is worth a line in the run log; a configured server that is down, a warning
        log.log(logging.INFO if not host else logging.WARNING, "datasets: %s; version %s stays in the local "
                "registry %s", why, version.id, registry.root)
        return {"server": host, "pushed": False, "reason": why}
    try:
        ids = push(version.id, registry)
    except Exception as err:  # the local version is complete; the server copy can be pushed later
        log.warning("datasets: pushing %s to ClearML failed (%s); it is registered locally, push it later with: "
                    "python -m foodcrowd.datasets push %s", version.id, str(err).splitlines()[0][:200], version.id)
        return {"server": host, "pushed": False, "reason": f"push failed: {str(err).splitlines()[0][:200]}"}
    return {"server": host, "pushed": True, "clearml_id": ids[version.id]}


def _mapping_path(registry, vid: str) -> Path:
    return registry.root / "versions" / vid / "clearml.json"


def _known(registry, vid: str, host: str) -> str | None:
    try:
        return json.loads(_mapping_path(registry, vid).read_text()).get(host)
    except (OSError, ValueError):
        return None


def _remember(registry, vid: str, host: str, cid: str) -> None:
    path = _mapping_path(registry, vid)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    data[host] = cid
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)


def push(ref: str, registry) -> dict[str, str]:
    """Create ``ref`` and every ancestor the server lacks, parents first; returns local id -> ClearML id."""
    version = registry.version(ref)
    host = server_host() or ("offline" if _offline() else None)
    if host is None:
        raise ClearMLSyncError("no ClearML server is configured", "CLEARML_API_HOST",
                               "set CLEARML_API_HOST (and CLEARML_API_ACCESS_KEY / CLEARML_API_SECRET_KEY) or "
                               "write ~/clearml.conf with `clearml-init`, then push again")
    order = list(reversed([version, *registry.ancestors(version)]))  # farthest ancestor first
    ids: dict[str, str] = {}
    for v in order:
        cid = _known(registry, v.id, host)
        if cid is None:
            cid = _push_one(v, [ids[p] for p in v.parents], registry)
            _remember(registry, v.id, host, cid)
            log.info("datasets: %s (%s) created on ClearML as %s", v.ref, v.id, cid)
        ids[v.id] = cid
    return ids


def _push_one(version, parent_ids: list[str], registry) -> str:
    """One local version -> one finalized ClearML dataset; returns its ClearML id."""
    from clearml import Dataset

    try:
        ds = Dataset.create(dataset_name=version.name, dataset_project=version.project,
                            dataset_version=version.version, parent_datasets=parent_ids or None,
                            dataset_tags=["foodcrowd", f"foodcrowd-id:{version.id}"],
                            description=f"foodcrowd dataset {version.ref} (local id {version.id})")
    except ValueError as err:  # offline mode cannot look parents up
        raise ClearMLSyncError(f"ClearML cannot create {version.ref}: {err}", "clearml",
                               "push to a ClearML server (offline mode cannot create a child version)") from err
    if version.n_files:
        ds.add_files(str(registry.get(version.id)), verbose=False)
    ds.set_metadata({"foodcrowd_id": version.id, "ref": version.ref, **version.metadata},
                    metadata_name="foodcrowd", ui_visible=False)
    logger = ds.get_logger()
    for name in sorted(version.tables):
        table = version.table(name)
        ds.set_metadata(table, metadata_name=f"table_{name}", ui_visible=False)
        logger.report_table(title=f"table {name}", series=name, iteration=0, table_plot=table.head(100))
    for name, info in sorted(version.artifacts.items()):
        path = version.artifact(name)
        if path.suffix.lower() in (".png", ".jpg", ".jpeg"):
            logger.report_image(title="plots", series=name, iteration=0, local_path=str(path))
        else:
            logger.report_media(title="previews", series=name, iteration=0, local_path=str(path))
    ds.upload(show_progress=False)
    ds.finalize()  # offline mode only warns (the dataset stays in the offline session)
    return ds.id


def _by_foodcrowd_id(ref: str, registry):
    """The ClearML dataset pushed from the foodcrowd version ``ref``: by the id this registry remembers
    for the server, else by the tag ``foodcrowd-id:<ref>`` every push sets (another machine); or None."""
    from clearml import Dataset

    try:
        cid = _known(registry, ref, server_host() or "")
        if cid:
            return Dataset.get(dataset_id=cid)
        return Dataset.get(dataset_tags=[f"foodcrowd-id:{ref}"], only_completed=True)
    except Exception as err:  # ClearML raises ValueError/Exception subclasses for "not found"
        log.info("datasets: no ClearML dataset tagged foodcrowd-id:%s (%s)", ref, err)
        return None


def get_from_server(ref: str, registry) -> Path | None:
    """A local copy of ``ref`` from the ClearML server: a foodcrowd id (found by the tag its push set), a
    ClearML dataset id, or project/name[/version]; None when unreachable or not there."""
    if not server_available():
        return None
    from clearml import Dataset

    try:
        if re.fullmatch(r"[0-9a-f]{32}", ref):
            ds = _by_foodcrowd_id(ref, registry) or Dataset.get(dataset_id=ref)
        else:
            *project, name = ref.split("/")
            version = None
            if len(project) >= 2 and name.replace(".", "").isdigit():
                *project, name, version = ref.split("/")
            ds = Dataset.get(dataset_project="/".join(project) or None, dataset_name=name,
                             dataset_version=version, only_completed=True)
        return Path(ds.get_local_copy())
    except Exception as err:  # ClearML raises ValueError/Exception subclasses for "not found"
        log.info("datasets: %s is not on the ClearML server either (%s)", ref, err)
        return None
