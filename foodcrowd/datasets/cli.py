"""``python -m foodcrowd.datasets list|show|get|diff|lineage|push|gc``: the registry from a shell.

The registry root is ``--root``, else ``$FOODCROWD_HOME/datasets`` (the config's ``dataset.registry``
default). ``--json`` prints machine-readable output. Errors print one screen and exit with code 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

__all__ = ["main", "build_parser", "clean_caches"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m foodcrowd.datasets",
                                description="The foodcrowd dataset registry (ClearML's dataset model, stored locally).")
    p.add_argument("--root", help="registry root (default: $FOODCROWD_HOME/datasets or ~/.cache/foodcrowd/datasets)")
    p.add_argument("--json", action="store_true", help="print JSON")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="every version, oldest first")
    ls.add_argument("--project")
    ls.add_argument("--name")
    for cmd, text in (("show", "a version's metadata, tables and artifacts"),
                      ("get", "print a local folder with the version's files (cached)"),
                      ("push", "create the version (and missing parents) on the configured ClearML server")):
        sp = sub.add_parser(cmd, help=text)
        sp.add_argument("ref", help="id (or prefix), project/name/version, project/name or name (= latest)")
    lin = sub.add_parser("lineage", help="items -> answers -> labels: every version as a tree (or one version "
                                         "and its ancestors)")
    lin.add_argument("ref", nargs="?", help="id (or prefix), project/name/version, project/name or name (= latest)")
    gc = sub.add_parser("gc", help="delete stored files no version refers to (left by failed registrations) and "
                                   "the training image caches beside the registry (<home>/cache/train; rebuilt "
                                   "on the next run)")
    gc.add_argument("--keep-caches", action="store_true", help="leave the training caches alone")
    d = sub.add_parser("diff", help="files, metadata, tables and artifacts changed from A to B")
    d.add_argument("a")
    d.add_argument("b")
    return p


def clean_caches(folder: Path) -> tuple[int, int]:
    """Delete the training image caches in ``folder`` (``images-*.pt`` and leftover ``*.tmp``); (files, bytes).
    A cache is rebuilt from the registered images the next time a run needs it."""
    freed = [0, 0]
    if not folder.is_dir():
        return 0, 0
    for p in folder.iterdir():
        if p.is_file() and (p.suffix in (".pt", ".tmp")):
            try:
                size = p.stat().st_size
                p.unlink()
            except OSError:
                continue
            freed[0] += 1
            freed[1] += size
    return freed[0], freed[1]


def _line(v) -> str:
    parents = ",".join(p[:8] for p in v.parents) or "-"
    return f"{v.id[:12]}  {v.ref:<40} {v.n_files:>7} files {v.size / 1e6:>9.2f} MB  parents {parents:<18} {v.created_at}"


def _run(args, reg) -> int:
    out = sys.stdout
    if args.command == "list":
        versions = reg.versions(args.project, args.name)
        if args.json:
            json.dump([v.describe() for v in versions], out, indent=1, default=str)
        elif not versions:
            print(f"no versions in {reg.root}", file=out)
        for v in versions if not args.json else ():
            print(_line(v), file=out)
    elif args.command == "show":
        v = reg.version(args.ref)
        desc = v.describe()
        if not args.json:  # the instructions text can be long: show its first line
            ann = desc["metadata"].get("annotation") if isinstance(desc["metadata"], dict) else None
            if isinstance(ann, dict) and isinstance(ann.get("instructions"), str):
                ann = {**ann, "instructions": ann["instructions"].strip().splitlines()[0][:80] + " ..."}
                desc["metadata"] = {**desc["metadata"], "annotation": ann}
        json.dump(desc, out, indent=1, default=str)
    elif args.command == "get":
        from foodcrowd.datasets import get

        print(get(args.ref, root=reg.root), file=out)
    elif args.command == "lineage":
        from foodcrowd.datasets.lineage_tree import lineage_lines

        if args.ref:   # the version, then its ancestors
            v = reg.version(args.ref)
            chain = [v, *reg.ancestors(v)]
            if args.json:
                json.dump([x.describe() for x in chain], out, indent=1, default=str)
            for depth, x in enumerate(chain if not args.json else ()):
                print(("  " * min(depth, 1) + ("<- " if depth else "")) + _line(x), file=out)
        elif args.json:
            json.dump([{"id": x.id, "ref": x.ref, "parents": list(x.parents)} for x in reg.versions()], out, indent=1)
        else:
            lines = lineage_lines(reg.versions())
            print("\n".join(lines) if lines else f"no versions in {reg.root}", file=out)
    elif args.command == "diff":
        d = reg.diff(args.a, args.b)
        if args.json:
            json.dump(d, out, indent=1, default=str)
        else:
            print(f"{d['from_ref']} -> {d['to_ref']}: {len(d['added'])} added, {len(d['removed'])} removed, "
                  f"{len(d['changed'])} changed, {d['unchanged']} unchanged files", file=out)
            for kind in ("added", "removed", "changed"):
                for rel in d[kind][:50]:
                    print(f"  {kind[0].upper()} {rel}", file=out)
            for key, ch in d["metadata"].items():
                print(f"  metadata {key}: {str(ch['from'])[:60]!s} -> {str(ch['to'])[:60]!s}", file=out)
            for kind in ("added", "removed", "changed"):
                for name in d["tables"][kind]:
                    print(f"  table {name}: {kind}", file=out)
    elif args.command == "gc":
        n, size = reg.gc()
        print(f"freed {n} files, {size / 1e6:.2f} MB", file=out)
        if not args.keep_caches:
            cache = Path(reg.root).parent / "cache" / "train"
            k, ksize = clean_caches(cache)
            print(f"freed {k} training cache files, {ksize / 1e6:.2f} MB ({cache})", file=out)
    elif args.command == "push":
        from foodcrowd.datasets.clearml_sync import push

        for local, remote in push(args.ref, reg).items():
            print(f"{local}  ->  ClearML {remote}", file=out)
    if args.json:
        print(file=out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from foodcrowd.datasets import Registry, default_root
    from foodcrowd.errors import UserError, render_user_error

    args = build_parser().parse_args(argv)
    reg = Registry(args.root or default_root())
    try:
        return _run(args, reg)
    except UserError as err:
        print(render_user_error(err), file=sys.stderr)
        return err.exit_code
