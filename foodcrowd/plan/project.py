"""The Toloka project of an experiment: Template Builder interface, data specs, public instructions.

Pure: ``interface`` + ``questions`` (validated config) and the instructions' markdown text in, the
project's plain (wire) form out, ready for ``toloka.client.structure(plain, Project)``. Each question's
output field and widget come from its label type, so ``allowed_values`` match the offered options.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["HOTKEYS", "InstructionsError", "read_instructions", "render_instructions", "template_builder",
           "project_plan"]

#: keys handed out in order, question by question (the instructions promise 1..9 first)
HOTKEYS = "1234567890qwertyuiopasdfghjklzxcvbnm"


class InstructionsError(FileNotFoundError):
    """The instructions file named by ``interface.instructions`` cannot be read."""


def read_instructions(interface: dict, conf_dir: Path) -> str:
    """The markdown text of ``interface.instructions`` (relative to ``conf/`` unless absolute)."""
    path = Path(interface["instructions"])
    path = path if path.is_absolute() else conf_dir / path
    try:
        return path.read_text(encoding="utf-8")
    except OSError as err:
        raise InstructionsError(f"interface.instructions: cannot read {path} ({err.strerror}); "
                                "name a markdown file relative to conf/ or an absolute path") from None


def render_instructions(markdown: str) -> str:
    """Markdown (CommonMark + tables) to the HTML Toloka shows under "Instructions"."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)


def _title_and_description(markdown: str, fallback: str) -> tuple[str, str]:
    lines = [ln.strip() for ln in markdown.splitlines()]
    title = next((ln.lstrip("#").strip() for ln in lines if ln.startswith("# ")), fallback)
    para = next((ln for ln in lines if ln and not ln.startswith(("#", "|", "-", "*"))), title)
    return title[:255], para[:512]


def template_builder(questions: dict, interface: dict) -> dict:
    """The Template Builder config: the image, one widget per question, hotkeys, a scroll layout."""
    from foodcrowd.label_types import get_label_type

    image: dict[str, Any] = {"type": "view.image", "url": {"type": "data.input", "path": interface["image_field"]},
                             "ratio": list(interface.get("image_ratio") or [1, 1])}
    items, hotkeys, n = [image], {}, 0
    for name, spec in questions.items():
        options = interface["options"][name]
        items.append(get_label_type(spec["type"]).widget(name, spec, options, interface, first_hotkey=n + 1))
        for option in options:
            if interface.get("hotkeys", True) and n < len(HOTKEYS):
                hotkeys[HOTKEYS[n]] = {"type": "action.set", "data": {"type": "data.output", "path": name},
                                       "payload": str(option["value"])}
            n += 1
    plugins: list[dict] = [{"type": "plugin.toloka", "layout": {"kind": "scroll", "taskWidth": 600}}]
    if hotkeys:
        plugins.append({"type": "plugin.hotkeys", **hotkeys})
    return {"view": {"type": "view.list", "items": items}, "plugins": plugins}


def _wire_view_spec(config: dict) -> dict:
    """Template Builder view spec as toloka-kit sends it (config as a JSON string, component lock)."""
    import json

    return {"type": "tb", "config": json.dumps(config, indent=4, ensure_ascii=False), "lock": {"core": "1.0.0"},
            "inferDataSpec": False}


def project_plan(questions: dict, interface: dict, instructions_md: str, experiment_name: str) -> dict:
    """The project's plain form: specs whose allowed values are exactly the interface options."""
    from foodcrowd.label_types import get_label_type

    output_spec = {}
    for name, spec in questions.items():
        field = get_label_type(spec["type"]).output_spec(name, spec)
        offered = [str(o["value"]) for o in interface["options"][name]]
        if "allowed_values" in field:
            field["allowed_values"] = offered  # the interface's order; the validator checked the sets match
        output_spec[name] = field
    input_spec = {"item_id": {"type": "string", "required": True, "hidden": False},
                  interface["image_field"]: {"type": "url", "required": True, "hidden": False}}
    title, description = _title_and_description(instructions_md, experiment_name)
    return {
        "public_name": title,
        "public_description": description,
        "public_instructions": render_instructions(instructions_md),
        "private_comment": f"foodcrowd experiment {experiment_name}",
        "task_spec": {"input_spec": input_spec, "output_spec": output_spec,
                      "view_spec": _wire_view_spec(template_builder(questions, interface))},
        "assignments_issuing_type": "AUTOMATED",
    }
