"""``foodcrowd --help``: one short screen for a newcomer (what it does, the experiments, five commands).

Printed before Hydra is imported, so it answers fast from any directory. Experiments are read from the
package's ``conf/experiment/`` and from every label-type plugin that ships a ``conf/experiment/`` folder
(found through the ``foodcrowd.label_types`` entry points without importing the plugins).
Hydra's own help stays reachable: ``--hydra-help`` (its flags) and ``--cfg job`` (the composed config).
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["experiments", "render_help"]

_COMMANDS = (
    ("foodcrowd +experiment=food action=plan", "look before you pay: the plan and cost estimate; creates nothing"),
    ("foodcrowd +experiment=food", "the food case study end to end on the local emulator (~30 s)"),
    ("foodcrowd +experiment=food dataset=image_folder dataset.path=~/photos", "the same on your own images"),
    ("foodcrowd -m +experiment=food crowd.overlap=1,3,5 aggregation=mv,ds", "a sweep: what paying more buys"),
    ("python -m foodcrowd.datasets list", "the dataset versions your runs registered"),
)


def _describe(path: Path) -> str:
    """The first comment line after the ``@package`` line and the command line: what the experiment is."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return "(unreadable)"
    for line in lines[:8]:
        text = line.lstrip("#").strip()
        if line.startswith("#") and text and not text.startswith(("@package", "python -m", "foodcrowd ")):
            import re

            text = re.split(r": | \(|; ", text, maxsplit=1)[0]
            return text if len(text) <= 76 else text[:76].rsplit(" ", 1)[0].rstrip(",") + " ..."
    return ""


def _plugin_conf_dirs() -> list[tuple[str, Path]]:
    import importlib.util
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group="foodcrowd.label_types"):
        top = ep.value.split(":", 1)[0].split(".", 1)[0]
        if top == "foodcrowd":
            continue
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        for loc in (spec.submodule_search_locations or []) if spec else []:
            if (Path(loc) / "conf" / "experiment").is_dir():
                out.append((ep.dist.name if ep.dist else top, Path(loc) / "conf"))
    return sorted(set(out))


def experiments() -> list[tuple[str, str, str]]:
    """``(name, description, where)`` for every experiment Hydra can compose (built in and plugins)."""
    from foodcrowd import CONF_DIR

    sources = [("foodcrowd", CONF_DIR)] + _plugin_conf_dirs()
    found = {}
    for where, conf in sources:
        for path in sorted((conf / "experiment").glob("*.yaml")):
            found.setdefault(path.stem, (path.stem, _describe(path), where))
    return sorted(found.values())


def render_help() -> str:
    from foodcrowd import CONF_DIR, README

    exps = experiments()
    name_w = max((len(n) for n, _, _ in exps), default=4)
    lines = [
        "foodcrowd: declare a crowdsourced-labeling experiment in YAML and run it end to end:",
        "the Toloka project (on a local emulator by default), quality control, crowd-kit aggregation,",
        "dataset versions with lineage, a torch model and a report. Nothing to sign up for.",
        "",
        "usage: foodcrowd +experiment=NAME [key=value ...]     (same as: python -m foodcrowd ...)",
        "",
        "experiments (+experiment=NAME):",
    ]
    for name, desc, where in exps:
        lines.append(f"  {name:<{name_w}}  {desc}" + (f"  [{where}]" if where != "foodcrowd" else ""))
    lines += ["", "five commands to start with:"]
    lines += [f"  {cmd}\n      {what}" for cmd, what in _COMMANDS]
    lines += [
        "",
        "more:",
        "  foodcrowd +experiment=food --cfg job   the composed config, every key you can override",
        "  foodcrowd --hydra-help                 Hydra's own flags (sweeps, launchers, run dirs)",
        f"  configs: {CONF_DIR}",
        f"  docs:    {README if README.is_file() else 'README.md and docs/ in the foodcrowd source'}",
    ]
    return "\n".join(lines)
