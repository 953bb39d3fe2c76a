"""A local Label Studio server, run from its own virtual environment (its Django pins clash with ours).

``ensure_venv`` creates ``<venv>`` with ``pip install label-studio==<version>`` on first use (about 1.5 min
from PyPI). :class:`LabelStudioServer` starts ``label-studio start`` on 127.0.0.1 and a free port with its
data (SQLite, uploads) under ``data_dir``; the first start runs the migrations (about 30 s here). The
account comes from ``LABEL_STUDIO_USERNAME`` / ``LABEL_STUDIO_PASSWORD`` when set, else it is generated
once and kept in ``<data_dir>/credentials.json`` (mode 0600); the API token is generated too and passed as
a legacy token (``LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN``: 1.23 turns legacy tokens off by default).
Secrets travel through the child's environment only: never on its command line or in our logs.
Analytics, Sentry and the version check are turned off; the server carries on without the internet.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from foodcrowd.errors import UserError

__all__ = ["LabelStudioError", "Credentials", "LabelStudioServer", "ensure_venv", "free_port", "DEFAULT_VERSION"]

log = logging.getLogger(__name__)
DEFAULT_VERSION = "1.23.2"
_QUIET_ENV = {  # nothing leaves the machine; each is a documented Label Studio setting
    "LATEST_VERSION_CHECK": "false", "COLLECT_ANALYTICS": "false", "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",
    "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true", "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
    "LOCAL_FILES_SERVING_ENABLED": "true", "PYTHONUNBUFFERED": "1",
}


class LabelStudioError(UserError):
    """Label Studio could not be installed, started or reached."""


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str
    token: str

    def __repr__(self) -> str:  # never print a secret by accident
        return f"Credentials(email={self.email!r}, password=***, token=***)"

    @classmethod
    def load_or_create(cls, data_dir: Path) -> "Credentials":
        """From the environment when given, else ``<data_dir>/credentials.json`` (made once, mode 0600)."""
        path = data_dir / "credentials.json"
        saved = json.loads(path.read_text()) if path.exists() else {}
        kept = {"email": saved.get("email") or "expert@foodcrowd.local",
                "password": saved.get("password") or secrets.token_urlsafe(12),
                "token": saved.get("token") or secrets.token_hex(20)}
        if kept != saved:  # only generated values are written; the environment's stay in the environment
            data_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.touch(mode=0o600)
            tmp.write_text(json.dumps(kept))
            tmp.replace(path)
        return cls(email=os.environ.get("LABEL_STUDIO_USERNAME") or kept["email"],
                   password=os.environ.get("LABEL_STUDIO_PASSWORD") or kept["password"], token=kept["token"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_venv(venv: Path, version: str = DEFAULT_VERSION) -> Path:
    """The ``label-studio`` executable of ``venv``, installing ``label-studio==version`` there if needed."""
    exe = venv / "bin" / "label-studio"
    stamp = venv / ".foodcrowd-label-studio"
    if exe.exists() and stamp.exists() and stamp.read_text().strip() == version:
        return exe
    log.info("review: installing label-studio==%s into %s (first use; about 1-2 minutes)", version, venv)
    print(f"Installing Label Studio {version} into {venv} (first use; about 1-2 minutes) ...", file=sys.stderr)
    t0 = time.perf_counter()
    try:
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"label-studio=={version}"],
                       check=True)
    except (subprocess.CalledProcessError, OSError) as err:
        raise LabelStudioError(f"could not install label-studio=={version} into {venv}: {err}", "review.venv",
                               "check the network to PyPI, or point review.url at a running Label Studio") from None
    stamp.write_text(version + "\n")
    log.info("review: label-studio installed in %.0f s", time.perf_counter() - t0)
    return exe


class LabelStudioServer:
    """One ``label-studio start`` child process on 127.0.0.1 (``start`` / ``stop``; a context manager)."""

    def __init__(self, venv: Path, data_dir: Path, files_dir: Path, port: int | None = None,
                 version: str = DEFAULT_VERSION) -> None:
        self.venv, self.data_dir, self.files_dir = Path(venv), Path(data_dir), Path(files_dir)
        self.port, self.version = port, version
        self.proc: subprocess.Popen | None = None
        self.credentials = Credentials.load_or_create(self.data_dir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict:
        c = self.credentials
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "DJANGO_"))}
        env.update(_QUIET_ENV)
        env.update({"LABEL_STUDIO_BASE_DATA_DIR": str(self.data_dir), "LOCAL_FILES_DOCUMENT_ROOT": str(self.files_dir),
                    "LABEL_STUDIO_USERNAME": c.email, "LABEL_STUDIO_PASSWORD": c.password,
                    "LABEL_STUDIO_USER_TOKEN": c.token})
        return env

    def start(self, timeout: float = 300.0) -> "LabelStudioServer":
        import httpx

        exe = ensure_venv(self.venv, self.version)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        logfile = open(self.data_dir / "server.log", "ab")
        cmd = [str(exe), "start", "--no-browser", "--internal-host", "127.0.0.1", "-p", str(self.port),
               "--log-level", "WARNING"]
        self.proc = subprocess.Popen(cmd, env=self._env(), stdout=logfile, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        logfile.close()
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise LabelStudioError(f"Label Studio exited with code {self.proc.returncode} while starting",
                                       str(self.data_dir / "server.log"), "read the log's last lines")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    log.info("review: Label Studio up at %s after %.0f s", self.url, time.monotonic() - t0)
                    self._write_state()
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(1.0)
        self.stop()
        raise LabelStudioError(f"Label Studio did not answer on {self.url} within {timeout:.0f} s",
                               str(self.data_dir / "server.log"), "read the log, or raise the timeout")

    def _write_state(self) -> None:
        state = {"url": self.url, "pid": self.proc.pid if self.proc else None, "port": self.port}
        (self.data_dir / "server.json").write_text(json.dumps(state))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            import signal

            os.killpg(self.proc.pid, signal.SIGTERM)  # its own session: the server and any child it made
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        (self.data_dir / "server.json").unlink(missing_ok=True)

    def __enter__(self) -> "LabelStudioServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
