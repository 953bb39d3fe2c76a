"""The crowd's raw answers as a dataset version: bought once, reused by every later run that asks the same.

The version ``<dataset.name>-answers`` (a child of the raw items' version) holds the crowd stage's tables
(``answers``, ``exam_answers``, ``assignments``, ``bans``, ``skills``: workers, times, pool ids, status,
rewards) and, in its metadata, the crowd-stage key (a hash of what was asked and of whom: the questions,
interface, exam, quality rules, crowd settings and the items; never the run dir), the platform's object
ids, the rules and the cost. No path is recorded, so its id depends on the key and the content only.

A run whose crowd stage has the same key finds the version by that key (:func:`find_answers`) and spends
nothing; ``crowd.answers=<version id or reference>`` names the version to start from.
"""
from __future__ import annotations

import logging
from typing import Any

__all__ = ["ANSWER_TABLES", "answers_name", "find_answers", "register_answers", "load_answers"]

log = logging.getLogger(__name__)
ANSWER_TABLES = ("answers", "exam_answers", "assignments", "bans", "skills")


def answers_name(ds: dict) -> str:
    return f"{ds['name']}-answers"


def find_answers(registry, ds: dict, key: str):
    """The newest answers version bought under crowd-stage ``key`` in this registry, or None."""
    found = [v for v in registry.versions(ds["project"], answers_name(ds))
             if ((v.metadata or {}).get("crowd") or {}).get("key") == key]
    return found[-1] if found else None


def register_answers(registry, ds: dict, raw_id: str | None, key: str, tables: dict, meta: dict[str, Any]):
    """Register the answers (idempotent: the same key and content give the same version)."""
    parents = (raw_id,) if raw_id else ()
    version = registry.register(ds["project"], answers_name(ds), {}, parents=parents,
                                metadata={"crowd": {"key": key, **meta}},
                                tables={name: tables[name] for name in ANSWER_TABLES if name in tables}, progress=False)
    log.info("crowd: answers registered as %s (id %s, crowd key %s)", version.ref, version.id, key)
    return version


def load_answers(version) -> dict:
    """The crowd tables of an answers version (every one the version has)."""
    missing = [name for name in ANSWER_TABLES if name not in version.tables]
    if missing:
        from foodcrowd.errors import UserError

        raise UserError(f"version {version.ref} ({version.id}) has no {', '.join(missing)} table: it is not an "
                        "answers version", "crowd.answers",
                        "name a <dataset>-answers version (python -m foodcrowd.datasets list --name <name>-answers)")
    return {name: version.table(name) for name in ANSWER_TABLES}
