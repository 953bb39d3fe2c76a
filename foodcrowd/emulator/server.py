"""Start the emulator: FastAPI app + uvicorn in a daemon thread on a free loopback port."""
from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from foodcrowd.emulator.state import EmulatorState

__all__ = ["EmulatorError", "EmulatorHandle", "build_app", "start"]


class EmulatorError(RuntimeError):
    """The emulator could not start; the message says why and what to do."""


@dataclass
class EmulatorHandle:
    """A running emulator: ``url`` for ``TolokaClient(token, url=...)``, ``snapshot()``, ``stop()``."""

    url: str
    state: EmulatorState
    token: str = field(repr=False, default="")
    _server: object = field(repr=False, default=None)
    _dispatcher: object = field(repr=False, default=None)
    _thread: threading.Thread | None = field(repr=False, default=None)

    def snapshot(self) -> dict:
        from foodcrowd.emulator.snapshot import snapshot

        with self.state.lock:
            return snapshot(self.state)

    def stop(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.stop()
            self._dispatcher = None
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._server = None
            self.state.store.close()

    def __enter__(self) -> "EmulatorHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def build_app(state: EmulatorState, crowd: dict):
    """The ASGI app: the API routes behind the fault injector."""
    from foodcrowd.emulator.api import create_app
    from foodcrowd.emulator.faults import FaultInjector

    state.fault_counts = Counter()
    return FaultInjector(create_app(state), crowd.get("faults"), int(crowd.get("seed") or 0), state.fault_counts)


def start(crowd: dict, questions: dict | None, world, state_dir: Path | str | None, port: int = 0,
          host: str = "127.0.0.1", token: str | None = None) -> EmulatorHandle:
    """Start the Toloka-compatible API on ``host:port`` (0 = a free port) and return its handle.

    Requests must carry ``token`` (``TolokaClient(handle.token, url=handle.url)``); without one the token is
    ``$FOODCROWD_EMULATOR_TOKEN`` or, if unset, a fresh random one (``handle.token``)."""
    import uvicorn

    from foodcrowd.emulator.auth import resolve_token
    from foodcrowd.emulator.webhooks import Dispatcher

    state = EmulatorState(crowd, questions, world, state_dir, token=resolve_token(token)[0])
    app = build_app(state, crowd)
    # proto given explicitly: asyncio turns Nagle's algorithm off only on IPPROTO_TCP sockets; with proto 0 every
    # response whose headers and body leave in two writes waited ~40 ms for the client's delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, int(port)))
    except OSError as err:
        raise EmulatorError(f"cannot listen on {host}:{port} ({err}); pick another --port or 0 for a free one") from None
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", log_config=None,
                                           timeout_keep_alive=30))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="foodcrowd-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise EmulatorError("the emulator's HTTP server did not start")
        time.sleep(0.01)
    return EmulatorHandle(url=f"http://{host}:{sock.getsockname()[1]}", state=state, token=state.token, _server=server,
                          _thread=thread, _dispatcher=Dispatcher(state))
