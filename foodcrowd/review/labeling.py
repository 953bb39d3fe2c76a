"""One interface, two renderings: ``interface/`` + ``questions/`` as a Label Studio labeling config.

The Toloka rendering is :func:`foodcrowd.plan.project.template_builder`; this one asks the same questions
with the same options, each question's tag coming from its label type (``LabelType.labeling_config``).
Golden-set projects add one extra choice, ``edge_case``: the expert ticks it on an ambiguous item (the
instructions' edge case); review projects show the crowd's answers above the questions.
"""
from __future__ import annotations

from typing import Any

__all__ = ["EDGE_CASE", "labeling_config", "parse_result", "prediction_result"]

#: name of the extra choice experts tick on an edge case (golden-set projects only)
EDGE_CASE = "edge_case"
_EDGE_TEXT = "Edge case (ambiguous: see the instructions)"


def labeling_config(questions: dict, interface: dict, *, edge_case: bool = False, crowd_answers: bool = False) -> str:
    """The ``<View>`` XML: the image, one control per question, optionally the edge-case choice and the
    crowd's answers (task field ``crowd``)."""
    from xml.sax.saxutils import quoteattr

    from foodcrowd.label_types import get_label_type

    field = interface["image_field"]
    parts = ["<View>", f'  <Image name="image" value="${field}" maxWidth="600px" maxHeight="480px"/>']
    if crowd_answers:
        parts.append('  <Header value="What the crowd said (majority label, confidence and every answer):" size="6"/>')
        parts.append('  <Text name="crowd" value="$crowd"/>')
    hotkey = 1
    for name, spec in questions.items():
        options = interface["options"][name]
        parts.append(get_label_type(spec["type"]).labeling_config(name, spec, options, interface, "image", hotkey))
        hotkey += len(options)
    if edge_case:
        parts.append(f'  <Choices name="{EDGE_CASE}" toName="image" choice="multiple">\n'
                     f'    <Choice value={quoteattr(_EDGE_TEXT)} alias="yes"/>\n  </Choices>')
    parts.append("</View>")
    return "\n".join(parts) + "\n"


def parse_result(result: list[dict], questions: dict) -> tuple[dict[str, str], bool]:
    """An annotation's ``result`` -> ({question: normalised label}, edge case ticked). Questions left
    unanswered (or answered with a value the label type rejects) are left out."""
    from foodcrowd.label_types import get_label_type

    labels, edge = {}, False
    for region in result or ():
        name, chosen = region.get("from_name"), list((region.get("value") or {}).get("choices") or [])
        if name == EDGE_CASE:
            edge = bool(chosen)
        elif name in questions:
            spec = questions[name]
            value: Any = chosen[0] if len(chosen) == 1 else chosen
            try:
                labels[name] = get_label_type(spec["type"]).normalise(value, spec)
            except ValueError:
                continue
    return labels, edge


def prediction_result(labels: dict[str, str], questions: dict) -> list[dict]:
    """Aggregated labels as a Label Studio prediction ``result`` (multi-choice labels split on ``|``)."""
    from foodcrowd.label_types import get_label_type

    out = []
    for name, label in labels.items():
        if name not in questions or label is None:
            continue
        spec = questions[name]
        tag = get_label_type(spec["type"]).labeling_config(name, spec, [], {"hotkeys": False}, "image")
        multiple = 'choice="multiple"' in tag   # the label type asks for several choices (e.g. tags)
        chosen = [t for t in str(label).split("|") if t] if multiple else [str(label)]
        out.append({"from_name": name, "to_name": "image", "type": "choices", "value": {"choices": chosen}})
    return out
