"""The registry: idempotent registration, storage by content hash, cached get, lineage, diff, bad files."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from foodcrowd.datasets import DatasetError, DatasetFilesError, DatasetNotFoundError, Registry, get


def _files(folder, n=50, size=2048, tag="v1", changed=()):
    """``n`` files of ``size`` bytes; those listed in ``changed`` get different content."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i in range(n):
        p = folder / f"img_{i:04d}.bin"
        body = f"{'x' if i in changed else ''}{tag}-{i}-".encode() * size
        p.write_bytes(body[:size])
        out[f"images/img_{i:04d}.bin"] = p
    return out


def test_same_content_parents_and_metadata_return_the_existing_version(tmp_path):
    reg = Registry(tmp_path / "reg")
    files = _files(tmp_path / "src")
    a = reg.register("food", "raw", files, metadata={"source": "synthetic"})
    b = reg.register("food", "raw", files, metadata={"source": "synthetic"})
    assert a.id == b.id and a.version == "1"
    assert [v.id for v in reg.versions()] == [a.id]
    c = reg.register("food", "raw", files, metadata={"source": "other"})
    assert c.id != a.id and c.version == "2"
    assert reg.version("food/raw").id == c.id and reg.version("raw/1").id == a.id and reg.version(a.id[:8]).id == a.id


def test_child_changing_10_percent_of_files_stores_only_their_bytes(tmp_path):
    reg = Registry(tmp_path / "reg")
    raw = reg.register("food", "raw", _files(tmp_path / "a", n=100, size=4096))
    before = reg.store.bytes_used()
    assert before == 100 * 4096
    child_files = _files(tmp_path / "b", n=100, size=4096, changed=range(10))
    child = reg.register("food", "cleaned", child_files, parents=[raw.id])
    assert reg.store.bytes_used() - before == 10 * 4096
    d = reg.diff(raw.id, child.id)
    assert len(d["changed"]) == 10 and d["added"] == d["removed"] == [] and d["unchanged"] == 90


def test_get_materialises_once_then_returns_the_cached_folder(tmp_path):
    reg = Registry(tmp_path / "reg")
    files = _files(tmp_path / "src", n=5)
    v = reg.register("food", "raw", files)
    folder = get("food/raw/1", root=reg.root)
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.bin")) == sorted(files)
    assert (folder / "images/img_0003.bin").read_bytes() == files["images/img_0003.bin"].read_bytes()
    (folder / "marker").write_text("kept")  # a second get must not rebuild the folder
    assert get(v.id, root=reg.root) == folder and (folder / "marker").exists()


def test_lineage_parents_ancestors_and_metadata_diff(tmp_path):
    reg = Registry(tmp_path / "reg")
    raw = reg.register("food", "raw", _files(tmp_path / "a", n=4))
    ann = reg.register("food", "annotated", _files(tmp_path / "a", n=4), parents=[raw.id],
                       metadata={"annotation": {"overlap": 3, "cost_usd": 1.5}},
                       tables={"labels": pd.DataFrame({"item_id": ["a", "b"], "food_type": ["solid", "liquid"]})})
    ann2 = reg.register("food", "annotated", _files(tmp_path / "a", n=5), parents=[ann.id],
                        metadata={"annotation": {"overlap": 5, "cost_usd": 2.5}})
    assert [p.id for p in reg.parents(ann2.id)] == [ann.id]
    assert [p.id for p in reg.ancestors("food/annotated")] == [ann.id, raw.id]
    d = reg.diff(ann.id, ann2.id)
    assert d["added"] == ["images/img_0004.bin"]
    assert d["metadata"]["annotation.overlap"] == {"from": 3, "to": 5}
    assert d["tables"]["removed"] == ["labels"]
    assert list(ann.table("labels")["food_type"]) == ["solid", "liquid"]


def test_unknown_references_name_the_registry_and_what_is_there(tmp_path):
    reg = Registry(tmp_path / "reg")
    with pytest.raises(DatasetNotFoundError) as err:
        reg.version("food/raw")
    assert "registry is empty" in err.value.fix
    reg.register("food", "raw", _files(tmp_path / "a", n=2))
    with pytest.raises(DatasetNotFoundError) as err:
        reg.get("food/nope/3")
    assert "food/raw" in err.value.fix
    with pytest.raises(DatasetNotFoundError):
        reg.register("food", "child", _files(tmp_path / "a", n=2), parents=["no-such-parent"])


def test_missing_unreadable_and_badly_named_files_are_all_reported(tmp_path):
    reg = Registry(tmp_path / "reg")
    files = _files(tmp_path / "a", n=3)
    files["images/gone.bin"] = tmp_path / "gone.bin"
    files["images/dir.bin"] = tmp_path / "a"
    files["../escape.bin"] = files["images/img_0000.bin"]
    with pytest.raises(DatasetFilesError) as err:
        reg.register("food", "raw", files)
    kinds = {(p["kind"], p["relpath"]) for p in err.value.problems}
    assert kinds == {("missing", "images/gone.bin"), ("unreadable", "images/dir.bin"), ("bad_relpath", "../escape.bin")}
    assert str(tmp_path / "gone.bin") in str(err.value)
    assert reg.versions() == []  # nothing half-registered
    v = reg.register("food", "raw", files, on_bad="record")
    assert v.n_files == 3 and {p["relpath"] for p in v.issues["problems"]} == {r for _, r in kinds}


def test_duplicate_content_is_stored_once_and_listed(tmp_path):
    reg = Registry(tmp_path / "reg")
    files = _files(tmp_path / "a", n=3)
    files["images/copy.bin"] = files["images/img_0001.bin"]
    v = reg.register("food", "raw", files)
    assert v.issues["duplicates"] == [["images/copy.bin", "images/img_0001.bin"]]
    assert reg.store.bytes_used() == 3 * 2048


def test_a_failed_registration_leaves_no_version(tmp_path):
    reg = Registry(tmp_path / "reg")
    bad = pd.DataFrame({"mixed": [1, "two", 3.0]})
    with pytest.raises(DatasetError, match="cannot be written as Parquet"):
        reg.register("food", "raw", _files(tmp_path / "a", n=3), tables={"labels": bad})
    assert reg.versions() == [] and list((reg.root / "staging").iterdir()) == []
    with pytest.raises(DatasetError, match="metadata"):
        reg.register("food", "raw", _files(tmp_path / "a", n=3), metadata={"x": float("nan")})


def test_a_killed_registration_leaves_no_version_and_a_rerun_completes_it(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal, pathlib
        import foodcrowd.datasets.registry as r
        r._before_commit = lambda staging: os.kill(os.getpid(), signal.SIGKILL)
        files = {{f"f{{i}}.bin": pathlib.Path({str(tmp_path)!r}) / "a" / f"img_{{i:04d}}.bin" for i in range(20)}}
        r.Registry({str(tmp_path / "reg")!r}).register("food", "raw", files)
    """)
    files = _files(tmp_path / "a", n=20)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr
    reg = Registry(tmp_path / "reg")
    assert reg.versions() == [] and len(list((reg.root / "staging").iterdir())) == 1
    with pytest.raises(DatasetNotFoundError):
        get("food/raw", root=reg.root, clearml=False)
    v = reg.register("food", "raw", {f"f{i}.bin": files[f"images/img_{i:04d}.bin"] for i in range(20)})
    assert v.n_files == 20 and reg.verify(v.id) == []
    assert list((reg.root / "staging").iterdir()) == []  # the killed attempt's leftovers are swept


def test_a_short_object_left_by_a_killed_writer_is_replaced(tmp_path):
    import hashlib

    files = _files(tmp_path / "a", n=3)
    body = files["images/img_0001.bin"].read_bytes()
    reg = Registry(tmp_path / "reg")
    obj = reg.store.path(hashlib.sha256(body).hexdigest())
    obj.parent.mkdir(parents=True)
    obj.write_bytes(body[:100])  # what a writer killed mid-write leaves under the final name
    v = reg.register("food", "raw", files)
    assert reg.verify(v.id) == [] and obj.read_bytes() == body
    assert (get(v.id, root=reg.root) / "images/img_0001.bin").read_bytes() == body


def test_gc_frees_objects_only_failed_registrations_left(tmp_path):
    reg = Registry(tmp_path / "reg")
    kept = reg.register("food", "raw", _files(tmp_path / "a", n=4))
    with pytest.raises(DatasetError):
        reg.register("food", "raw", _files(tmp_path / "b", n=3, tag="other"), metadata={"bad": float("inf")})
    with pytest.raises(DatasetError):
        reg.register("food", "raw", _files(tmp_path / "b", n=3, tag="other"), tables={"t": pd.DataFrame({"m": [1, "x"]})})
    assert reg.gc() == (0, 0)  # metadata and tables are checked before any file is stored
    files = {**_files(tmp_path / "b", n=3, tag="other"), "images/gone.bin": tmp_path / "gone.bin"}
    with pytest.raises(DatasetFilesError):
        reg.register("food", "raw", files)
    assert reg.gc() == (3, 3 * 2048)  # the three files stored before the missing one was found
    assert reg.verify(kept.id) == [] and reg.store.bytes_used() == 4 * 2048


def test_concurrent_registrations_of_the_same_content_make_one_version(tmp_path):
    _files(tmp_path / "a", n=200)
    script = textwrap.dedent(f"""
        import pathlib
        from foodcrowd.datasets import Registry
        src = pathlib.Path({str(tmp_path / "a")!r})
        files = {{f"images/{{p.name}}": p for p in sorted(src.iterdir())}}
        print(Registry({str(tmp_path / "reg")!r}).register("food", "raw", files, progress=False).id)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(3)]
    ids = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert len(ids) == 1 and all(p.returncode == 0 for p in procs)
    reg = Registry(tmp_path / "reg")
    assert [v.id for v in reg.versions()] == list(ids) and reg.verify(ids.pop()) == []
    assert reg.store.bytes_used() == 200 * 2048
