"""Property-based, over files (the config mutation test covers values): broken YAML in an experiment file,
odd and hostile images, special files. Each one is either accepted or reported naming the file (config:
one screen; images: a bad-data reason), never a traceback.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foodcrowd import CONF_DIR
from foodcrowd.cli_errors import compose_error
from foodcrowd.validate import ConfigError, validate
from tests.conftest import run_cli
from tests.file_makers import huge_png

FOOD = (CONF_DIR / "experiment" / "food.yaml").read_text()
NASTY = [":", "[", "]", "{", "}", "\t", '"', "'", "&", "*", "!", "|", ">", "%", "@", "`", "- ", ": [", "\n  ", "\x00"]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "images"


@st.composite
def broken_yaml(draw) -> str:
    text = FOOD
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "truncate"]))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(NASTY)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 12)):]
        else:
            text = text[:pos]
    return text


def _compose_file(folder: Path, text: str):
    (folder / "experiment").mkdir(parents=True, exist_ok=True)
    (folder / "experiment" / "fuzzed.yaml").write_text(text)
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        return compose(config_name="config", overrides=["+experiment=fuzzed", f"hydra.searchpath=[file://{folder}]"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=broken_yaml())
def test_a_broken_experiment_file_is_accepted_or_named(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("conf")
    try:
        validate(_compose_file(folder, text))
    except ConfigError as err:
        assert err.problems and all(p.path or p.what for p in err.problems)
    except Exception as err:  # noqa: BLE001 - the property: every other failure has a one-screen message
        message = compose_error(err, ["+experiment=fuzzed"])
        assert message.startswith("foodcrowd: ") and len(message.splitlines()) <= 20
        assert "fuzzed" in message or "In '" in message, message  # names the file or Hydra's config
        if "YAML syntax error" in message:
            assert "fuzzed.yaml" in message and "line " in message


def test_a_broken_experiment_file_through_the_cli(tmp_path):
    folder = tmp_path / "conf"
    (folder / "experiment").mkdir(parents=True)
    (folder / "experiment" / "fuzzed.yaml").write_text(FOOD.replace("overlap: 3", "overlap: 3\n\t  bad: [tab"))
    done = run_cli("+experiment=fuzzed", f"hydra.searchpath=[file://{folder}]", "action=plan",
                   f"hydra.run.dir={tmp_path / 'run'}")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "fuzzed.yaml, line" in done.stderr


# -- files that claim to be images --------------------------------------------------------------------

def _image_bytes(kind: str, data: bytes) -> bytes | None:
    from PIL import Image

    buf = io.BytesIO()
    if kind == "random":
        return data
    if kind == "truncated_jpeg":
        raw = (FIXTURES / "coffee.jpg").read_bytes()
        return raw[: max(1, len(raw) * (1 + data[0] % 99) // 100)] if data else raw[:10]
    if kind == "jpeg_header_then_noise":
        return (FIXTURES / "coffee.jpg").read_bytes()[:600] + data
    if kind in ("1", "L", "P", "LA", "RGBA", "CMYK", "I;16", "I", "F"):
        Image.new(kind, (1 + (data[0] if data else 3) % 40, 1 + (data[1] if len(data) > 1 else 5) % 40)).save(
            buf, format="TIFF" if kind in ("I;16", "I", "F", "CMYK") else "PNG")
        return buf.getvalue()
    if kind == "wide":
        Image.new("RGB", (6000, 1)).save(buf, format="PNG")
        return buf.getvalue()
    if kind == "gif_animated":
        frames = [Image.new("P", (8, 8), i) for i in range(3)]
        frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
        return buf.getvalue()
    return None


KINDS = ["random", "truncated_jpeg", "jpeg_header_then_noise", "1", "L", "P", "LA", "RGBA", "CMYK", "I;16", "I",
         "F", "wide", "gif_animated", "zero", "huge_png", "directory", "fifo", "dangling_link", "link_loop"]


def _make(path: Path, kind: str, data: bytes) -> None:
    if kind == "zero":
        path.write_bytes(b"")
    elif kind == "huge_png":
        huge_png(path, 10_000 + (data[0] if data else 0), 9_000)
    elif kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dangling_link":
        path.symlink_to(path.parent / "nowhere")
    elif kind == "link_loop":
        path.symlink_to(path)
    else:
        path.write_bytes(_image_bytes(kind, data))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.tuples(st.sampled_from(KINDS), st.binary(min_size=0, max_size=256)), min_size=1, max_size=6))
def test_odd_files_are_kept_and_decode_or_are_named_with_a_reason(tmp_path_factory, files):
    import pandas as pd

    from foodcrowd.act.training.data import _decode
    from foodcrowd.item_grid import thumbnail_uri
    from foodcrowd.sources._files import REASONS, check_files

    folder = tmp_path_factory.mktemp("imgs")
    paths = []
    for i, (kind, data) in enumerate(files):
        path = folder / f"f{i:02d}-{kind.replace(';', '_')}.jpg"
        _make(path, kind, data)
        paths.append(str(path))
    items = pd.DataFrame({"item_id": [f"i{i}" for i in range(len(paths))], "path": paths})
    keep, issues = check_files(items, progress=False)
    assert len(keep) + len(issues) == len(paths)
    for issue in issues:
        assert issue["reason"] in REASONS and issue["path"] in paths and issue["detail"]
    for path in keep["path"]:  # what the data stage keeps, training and the preview can read
        assert _decode(path, 32).shape == (3, 32, 32)
        assert thumbnail_uri(path) is not None
    kinds = dict(zip(paths, (k for k, _ in files)))
    for issue in issues:
        if kinds[issue["path"]] == "huge_png":
            assert issue["reason"] == "too_large"


@pytest.mark.parametrize("kind", ["fifo", "link_loop", "directory"])
def test_special_files_in_an_image_folder_do_not_hang_or_crash_the_run(tmp_path, kind):
    from tests.file_makers import photo

    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(10):
        photo(photos / f"p{i:02d}.jpg", color=(i * 20, 90, 30))
    _make(photos / "odd.jpg", kind, b"")
    done = run_cli("+experiment=food", "dataset=image_folder", f"dataset.path={photos}", "action=plan",
                   "dataset.max_bad_share=0.2", f"hydra.run.dir={tmp_path / 'run'}", timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
