"""CLI start-up: ``foodcrowd --help`` (the installed command, from a temporary directory) and a
validation-only run, against a bare Hydra app composing the same conf/.

    python benchmarks/cli_startup.py [--repeat 5]

Target: ``--help`` under 1 s, the validation-only run under 2 s; heavy imports (torch, toloka, clearml, crowd-kit) never happen here.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from _common import ROOT, report, time_command

BARE = f"""
import hydra
@hydra.main(version_base="1.3", config_path="{ROOT / 'conf'}", config_name="config")
def main(cfg):
    return None
main()
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bare = time_command([sys.executable, "-c", BARE, "+experiment=food", f"hydra.run.dir={tmp}/bare"], args.repeat)
        script = shutil.which("foodcrowd", path=str(Path(sys.executable).parent)) or "foodcrowd"
        helped = time_command([script, "--help"], args.repeat, cwd=tmp)
        invalid = time_command([sys.executable, "-m", "foodcrowd", "+experiment=food", "crowd.overlap=0",
                                f"hydra.run.dir={tmp}/v"], args.repeat, ok_codes=(2,))
    report("cli foodcrowd --help", helped, "s", bare, target="< 1 s", baseline_name="bare Hydra app")
    report("cli validation-only run", invalid, "s", bare, target="< 2 s", baseline_name="bare Hydra app")


if __name__ == "__main__":
    main()
