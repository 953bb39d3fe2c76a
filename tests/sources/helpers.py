"""Helpers of the source tests: run the data stage on a composed config, write small image files."""
from __future__ import annotations

from pathlib import Path

from foodcrowd.act.data import data_stage
from foodcrowd.engine import StageContext
from foodcrowd.validate import validate
from tests.conftest import compose_cfg

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def run_data(tmp_path: Path, overrides=(), experiment: str = "food"):
    """Compose like the CLI, validate, run the data stage into ``tmp_path/run/data``; (result, out dir, plain)."""
    cfg = compose_cfg(list(overrides), experiment=experiment)
    plain = validate(cfg)
    out = tmp_path / "run" / "data"
    out.mkdir(parents=True, exist_ok=True)
    result = data_stage(StageContext(cfg=cfg, plain=plain, run_dir=out.parent, out_dir=out))
    return result, out, plain


def write_image(path: Path, colour=(200, 30, 30), size=(24, 24), fmt: str | None = None) -> Path:
    """A small solid-colour image (a different colour gives different content)."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, format=fmt)
    return path
