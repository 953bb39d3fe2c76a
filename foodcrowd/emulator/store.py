"""Durable emulator state: one SQLite file in ``state_dir`` (WAL journal), documents keyed by kind and id.

Every mutation is committed before the HTTP answer leaves, so a killed emulator restarted on the same
``state_dir`` serves the same objects. Simulated work is not stored: it is recomputed from these inputs.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

__all__ = ["Store"]


class Store:
    def __init__(self, state_dir: Path | str | None) -> None:
        if state_dir is None:
            target = ":memory:"
        else:
            Path(state_dir).mkdir(parents=True, exist_ok=True)
            target = str(Path(state_dir) / "emulator.sqlite")
        self.path = target
        self._lock = threading.Lock()
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS docs (kind TEXT, id TEXT, seq INTEGER, body TEXT, PRIMARY KEY (kind, id))")

    def load(self) -> dict[str, dict[str, dict]]:
        """Every document, by kind then id, in the order they were first written."""
        out: dict[str, dict[str, dict]] = {}
        for kind, doc_id, body in self._db.execute("SELECT kind, id, body FROM docs ORDER BY seq"):
            out.setdefault(kind, {})[doc_id] = json.loads(body)
        return out

    def put(self, kind: str, docs: dict[str, dict]) -> None:
        """Insert or replace documents of one kind in one transaction (keeps first-write order)."""
        if not docs:
            return
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN")
            try:
                (seq,) = cur.execute("SELECT COALESCE(MAX(seq), 0) FROM docs").fetchone()
                rows = []
                for k, (doc_id, doc) in enumerate(docs.items()):
                    rows.append((kind, str(doc_id), seq + k + 1, json.dumps(doc, separators=(",", ":"))))
                cur.executemany("INSERT INTO docs (kind, id, seq, body) VALUES (?, ?, ?, ?) "
                                "ON CONFLICT(kind, id) DO UPDATE SET body = excluded.body", rows)
                cur.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite has already rolled back after e.g. SQLITE_FULL: keep that error
                    cur.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()
