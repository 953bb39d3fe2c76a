"""Property-based: every mutation of the food config is rejected, naming the offending key, never a traceback.

Mutations are drawn from the schema itself (so new keys are covered as the schemas grow): wrong types,
missing required keys, numbers out of range, unknown keys and options, empty class lists, interface options
that do not match the question. In-process runs compose + validate (fast, many examples); a sample goes
through the real CLI to check exit code 2 and the absence of a traceback.
"""
from __future__ import annotations

import json
from functools import lru_cache

import pytest
from hydra.errors import HydraException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf.errors import OmegaConfBaseException

from foodcrowd import SCHEMA_DIR
from foodcrowd.validate import ConfigError, to_plain, validate
from tests.conftest import compose_cfg, run_cli

SKIP_ROOTS = ("home", "objective")  # free-form by design


@lru_cache(maxsize=None)
def _schemas() -> dict:
    return {json.loads(p.read_text())["$id"]: json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.schema.json")}


def _resolve(node: dict, doc: dict) -> tuple[dict, dict]:
    """Follow $refs (to other schemas by $id, or inside the current one by JSON pointer)."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref.startswith("#/"):
            target = doc
            for part in ref[2:].split("/"):
                target = target[part]
            node = target
        else:
            doc = node = _schemas()[ref]
    return node, doc


def _child(node: dict, doc: dict, key: str) -> tuple[dict | None, dict]:
    node, doc = _resolve(node, doc)
    props = node.get("properties", {})
    if key in props:
        return _resolve(props[key], doc)
    extra = node.get("additionalProperties")
    return _resolve(extra, doc) if isinstance(extra, dict) else (None, doc)


@lru_cache(maxsize=None)
def _leaves() -> list[tuple[str, object, dict, bool]]:
    """(dotted path, value, leaf schema, required?) for every typed leaf of the food config."""
    plain = to_plain(compose_cfg())
    out = []

    def walk(value, schema, doc, path, required):
        if isinstance(value, dict):
            node, doc = _resolve(schema or {}, doc)
            for k, v in value.items():
                child, child_doc = _child(node, doc, k)
                walk(v, child, child_doc, [*path, k], k in node.get("required", []))
        elif schema and "type" in schema and path[0] not in SKIP_ROOTS:
            out.append((".".join(path), value, schema, required))

    root = _schemas()["urn:foodcrowd:config"]
    walk(plain, root, root, [], True)
    return out


def _types(schema) -> set[str]:
    t = schema.get("type")
    return {t} if isinstance(t, str) else set(t or [])


@st.composite
def mutations(draw) -> tuple[list[str], str]:
    """(overrides, the key the error must name)."""
    leaves = _leaves()
    kind = draw(st.sampled_from(["type", "missing", "range", "unknown_key", "unknown_option", "empty_classes", "interface"]))
    if kind == "type":
        path, value, schema, _ = draw(st.sampled_from(leaves))
        types = _types(schema)
        if types & {"integer", "number", "boolean"} and "string" not in types:
            return [f"{path}=not_a_number"], path
        if "string" in types and "null" not in types and not (types & {"integer", "number"}):
            return [f"{path}=[1,2]"], path
        if "array" in types:
            return [f"{path}=7"], path
        return [f"{path}={{a: 1}}"], path
    if kind == "missing":
        required = [leaf for leaf in leaves if leaf[3]]
        path = draw(st.sampled_from(required))[0]
        return [f"~{path}"], path
    if kind == "range":
        ranged = [leaf for leaf in leaves if {"minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"} & set(leaf[2])]
        path, value, schema, _ = draw(st.sampled_from(ranged))
        lo = schema.get("minimum", schema.get("exclusiveMinimum"))
        hi = schema.get("maximum", schema.get("exclusiveMaximum"))
        below = lo is not None and (hi is None or draw(st.booleans()))
        bad = (lo - draw(st.integers(1, 1000))) if below else (hi + draw(st.integers(1, 1000)))
        return [f"{path}={bad}"], path
    if kind == "unknown_key":
        group = draw(st.sampled_from(["crowd", "exam", "quality", "trainer", "interface", "aggregation", "tracking", "quality.fast_responses"]))
        return [f"+{group}.zz_unknown=1"], f"{group}.zz_unknown"
    if kind == "unknown_option":
        group = draw(st.sampled_from(["aggregation", "crowd", "dataset", "exam", "quality", "model", "interface", "questions"]))
        return [f"{group}=zz_nope"], group
    if kind == "empty_classes":
        q = draw(st.sampled_from(["food_type", "appetizing"]))
        return [f"questions.{q}.classes=[]"], f"questions.{q}.classes"
    q = draw(st.sampled_from(["food_type", "appetizing"]))
    return [f"interface.options.{q}=[{{value: zz_wrong}}]"], f"interface.options.{q}"


def _names(problems_or_text, key: str) -> bool:
    return key in problems_or_text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_every_mutation_is_rejected_naming_its_key(mutation):
    overrides, key = mutation
    try:
        cfg = compose_cfg(overrides)
    except (HydraException, OmegaConfBaseException) as err:  # the CLI turns these into exit code 2
        assert key.split(".")[0] in str(err) or key in str(err), str(err)
        return
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    paths = [p.path for p in info.value.problems]
    assert any(p == key or p.startswith(key + ".") or key.startswith(p + ".") and p for p in paths), (overrides, info.value.render())


CLI_SAMPLE = [
    (["crowd.overlap=-3"], "crowd.overlap"),
    (["~crowd.reward_per_page"], "crowd.reward_per_page"),
    (["exam.size=abc"], "exam.size"),
    (["aggregation=zz_nope"], "aggregation"),
    (["+crowd.zz_unknown=1"], "crowd.zz_unknown"),
    (["questions.food_type.classes=[]"], "questions.food_type.classes"),
    (["interface.options.appetizing=[{value: maybe}]"], "interface.options.appetizing"),
    (["crowd.overlap=["], "crowd.overlap"),
]


@pytest.mark.parametrize("overrides,key", CLI_SAMPLE, ids=[k for _, k in CLI_SAMPLE])
def test_cli_rejects_mutation_with_exit_2_and_no_traceback(overrides, key, tmp_path):
    proc = run_cli("+experiment=food", *overrides, f"hydra.run.dir={tmp_path}")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert key in out, out
    assert "Traceback" not in out
