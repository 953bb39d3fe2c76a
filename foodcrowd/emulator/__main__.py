"""Run the emulator on its own: ``python -m foodcrowd.emulator --port 8080 --token T`` (or
``FOODCROWD_EMULATOR_TOKEN=T``) then ``TolokaClient(T, url="http://127.0.0.1:8080")``. Without a token one is
generated and written to ``<state-dir>/token`` (mode 600; never printed). Ctrl-C stops it; state stays in
--state-dir.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["main"]

from foodcrowd import CONF_DIR as _CONF  # noqa: E402 (the package resource: works from any directory)


def _load_yaml(path: Path, what: str) -> dict:
    import yaml

    if not path.exists():
        raise SystemExit(f"error: {what} file {path} does not exist (check the path)")
    return yaml.safe_load(path.read_text()) or {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m foodcrowd.emulator", description="Local Toloka-compatible API with a simulated crowd.")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (0 = a free one)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-dir", default=".emulator", help="where state persists (restart on it to resume)")
    parser.add_argument("--population", default=str(_CONF / "crowd/population/food.yaml"), help="population YAML")
    parser.add_argument("--questions", default=str(_CONF / "questions/food.yaml"), help="questions YAML")
    parser.add_argument("--world", default=None, help="items parquet (truth, difficulty, ambiguous, appeal)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-scale", type=float, default=3600.0, help="simulated seconds per wall second")
    parser.add_argument("--token", default=None, help="the API token clients must send (default: $FOODCROWD_EMULATOR_TOKEN, "
                        "else a fresh one written to <state-dir>/token)")
    args = parser.parse_args(argv)
    world = None
    if args.world:
        import pandas as pd

        if not Path(args.world).exists():
            raise SystemExit(f"error: --world {args.world} does not exist (point it at data/items.parquet)")
        world = pd.read_parquet(args.world)
    crowd = {"seed": args.seed, "time_scale": args.time_scale, "platform_fee": 0.3, "min_fee_per_page": 0.001,
             "faults": {}, "population": _load_yaml(Path(args.population), "--population")}
    from foodcrowd.emulator import EmulatorError, start
    from foodcrowd.emulator.auth import TOKEN_ENV, resolve_token

    token, generated = resolve_token(args.token)
    where = "--token" if args.token else f"${TOKEN_ENV}"
    if generated:
        path = Path(args.state_dir) / "token"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(token + "\n")
        where = f"generated, in {path}"
    try:
        handle = start(crowd, _load_yaml(Path(args.questions), "--questions"), world, Path(args.state_dir),
                       port=args.port, host=args.host, token=token)
    except EmulatorError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"Toloka emulator on {handle.url} (state in {args.state_dir}; token: {where}); Ctrl-C stops it", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        handle.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
