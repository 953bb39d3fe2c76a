"""``python -m foodcrowd.review serve|status|stop|install``: the local Label Studio foodcrowd manages.

``serve`` installs Label Studio into its own venv on first use, starts it on 127.0.0.1 (a free port unless
``--port``), prints the URL and the login (the password stays in ``<data dir>/credentials.json``) and runs
until Ctrl-C. ``install`` only creates the venv (CI does it before the tests). Paths default to the ``review`` config's: ``$FOODCROWD_HOME/label-studio/{venv,data,files}``.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

__all__ = ["main"]


def _home() -> Path:
    return Path(os.environ.get("FOODCROWD_HOME") or Path.home() / ".cache" / "foodcrowd").expanduser()


def main(argv: list[str] | None = None) -> int:
    from foodcrowd.errors import UserError, render_user_error
    from foodcrowd.review.connect import running_url
    from foodcrowd.review.service import DEFAULT_VERSION, LabelStudioServer, ensure_venv

    base = _home() / "label-studio"
    parser = argparse.ArgumentParser(prog="python -m foodcrowd.review", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve", "status", "stop", "install"])
    parser.add_argument("--venv", type=Path, default=base / "venv")
    parser.add_argument("--data-dir", type=Path, default=base / "data")
    parser.add_argument("--files-dir", type=Path, default=base / "files")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--version", default=DEFAULT_VERSION)
    args = parser.parse_args(argv)
    if args.command == "install":
        t0 = time.perf_counter()
        try:
            exe = ensure_venv(args.venv, args.version)
        except UserError as err:
            print(render_user_error(err), file=sys.stderr)
            return err.exit_code
        print(f"Label Studio {args.version}: {exe} ({time.perf_counter() - t0:.0f} s)")
        return 0
    url = running_url(args.data_dir)
    if args.command == "status":
        print(f"Label Studio: running at {url}" if url else "Label Studio: not running")
        return 0 if url else 1
    if args.command == "stop":
        state = args.data_dir / "server.json"
        if not url or not state.exists():
            print("Label Studio: not running")
            return 0
        pid = json.loads(state.read_text())["pid"]
        os.killpg(pid, signal.SIGTERM)  # the server was started in a session of its own
        state.unlink(missing_ok=True)
        print(f"Label Studio at {url} stopped")
        return 0
    if url:
        print(f"Label Studio is already running at {url}")
        return 0
    server = LabelStudioServer(args.venv, args.data_dir, args.files_dir, args.port, args.version)
    t0 = time.perf_counter()
    try:
        server.start()
    except UserError as err:
        print(render_user_error(err), file=sys.stderr)
        return err.exit_code
    print(f"Label Studio {args.version} at {server.url} (ready in {time.perf_counter() - t0:.0f} s); log in as "
          f"{server.credentials.email}, password in {args.data_dir / 'credentials.json'}. Ctrl-C stops it.")
    try:
        while server.proc is not None and server.proc.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
