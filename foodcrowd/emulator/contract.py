"""Toloka's published OpenAPI description (``spec/fullApi.yaml``) as the emulator's contract: request bodies
and query parameters are checked against the spec's schemas before a route acts, and create routes fill
the defaults the spec documents. Refusals are Toloka's ``400 VALIDATION_ERROR`` with a ``payload`` of
``{field: {code, message}}``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from foodcrowd.emulator.state import ApiError

__all__ = ["SPEC_PATH", "bundled", "check_body", "check_request", "defaults", "operation_of", "spec", "validation_error"]

SPEC_PATH = Path(__file__).with_name("spec") / "fullApi.yaml"
_BASE = "urn:toloka-api"
# bodies checked item by item in the route (skip_invalid_items needs per-item errors; tasks are the hot path)
_PER_ITEM = {("post", "/tasks"), ("post", "/task-suites"), ("put", "/webhook-subscriptions"), ("post", "/user-bonuses")}


def _absolute(node, rel: str):
    """Every ``$ref`` made absolute (``urn:toloka-api/<file>#<pointer>``), so files resolve one another."""
    import posixpath

    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                target, _, frag = v.partition("#")
                path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target)) if target else rel
                out[k] = f"{_BASE}/{path}#{frag}"
            else:
                out[k] = _absolute(v, rel)
        return out
    if isinstance(node, list):
        return [_absolute(v, rel) for v in node]
    return node


# Where the published schemas are stricter than Toloka itself (toloka-kit's default requests, which real
# Toloka accepts, would be refused): (file, JSON pointer of a schema, required names to drop, or a
# replacement schema). Listed in docs/emulator.md.
_F = "fullApi.yaml"
# "format: date-time" in the spec means Toloka's own form (its descriptions say YYYY-MM-DDThh:mm:ss[.sss], UTC,
# and Toloka answers without an offset), not RFC 3339: checked as this pattern (an offset is accepted)
DATE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:?[0-9]{2})?$"
ERRATA = (
    ("parts/api/additional.yaml", "/components/schemas/ViewSpecNode", ("settings",)),
    # Template Builder's config travels as a JSON string (toloka-kit sends it so)
    ("parts/api/additional.yaml", "/components/schemas/ViewSpecNode/properties/config", {"type": ["string", "object"]}),
    (_F, "/components/schemas/CollectorConfigDtoV1", ("uuid", "parameters")),
    (_F, "/components/schemas/PoolFormV1/properties/filter", {"type": "object"}),        # documented as string
    (_F, "/components/schemas/PoolViewV1/properties/filter", {"type": "object"}),
    (_F, "/components/schemas/OneFieldConditionDtoV1/properties/value", {}),            # numbers and strings too
    (_F, "/components/schemas/ActionConfigDtoV1/properties/parameters", ("scope",)),  # only restrictions have one
    # toloka-kit (and Toloka) answer the operation log as a list of these objects
    (_F, "/paths/~1operations~1{id}~1log/get/responses/200/content/application~1json/schema", "array"),
    # toloka-kit 1.2.3 still offers the (deprecated) CAPTCHA collector; the emulator runs it (rules.py)
    (_F, "/components/schemas/CollectorConfigDtoV1/properties/type/enum", ["ACCEPTANCE_RATE", "ANSWER_COUNT",
     "ASSIGNMENT_SUBMIT_TIME", "ASSIGNMENTS_ASSESSMENT", "CAPTCHA", "GOLDEN_SET", "INCOME", "MAJORITY_VOTE",
     "SKIPPED_IN_ROW_ASSIGNMENTS", "TRAINING", "USERS_ASSESSMENT"]),
    # deliberate leniency: foodcrowd's plan may leave the weighting skill out (the emulator then assumes 0.7)
    (_F, "/components/schemas/BasicDynamicOverlapConfig", ("answer_weight_skill_id",)),
)


def _placeholders(node):
    """``"<ID>"`` in the spec is a placeholder for any key: it becomes ``additionalProperties``. (YAML dates in
    examples become strings again.)"""
    import datetime

    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    if isinstance(node, dict):
        node = {k: _placeholders(v) for k, v in node.items()}
        if "oneOf" in node:    # the spec's oneOf alternatives overlap (a discriminator tells them apart on Toloka)
            node["anyOf"] = node.pop("oneOf")
        if node.get("format") == "date-time":   # Toloka's documented form: YYYY-MM-DDThh:mm:ss[.sss], UTC
            del node["format"]
            node["pattern"] = DATE_TIME
        props = node.get("properties")
        if isinstance(props, dict):
            for key in [k for k in props if k.startswith("<") and k.endswith(">")]:
                node.setdefault("additionalProperties", props.pop(key))
        if isinstance(node.get("required"), list):
            node["required"] = [r for r in node["required"] if not (r.startswith("<") and r.endswith(">"))]
            if not node["required"]:
                del node["required"]
        return node
    if isinstance(node, list):
        return [_placeholders(v) for v in node]
    return node


@lru_cache(maxsize=None)
def _load(rel: str) -> dict:
    return _absolute(_fixed(rel), rel)


def bundled() -> dict:
    """One self-contained document (errata applied, schema files merged into ``components``, example and
    code-sample files left out) for tools that take a dict, such as the conformance suite's schemathesis."""
    import copy

    doc = copy.deepcopy(_fixed(SPEC_PATH.name))
    doc["info"]["description"] = "Toloka API v1 (see spec/parts/api/info-description.md)"
    schemas = doc["components"]["schemas"]

    def walk(node, rel: str):
        import posixpath

        if isinstance(node, dict):
            for key in ("examples", "x-codeSamples", "x-code-samples"):
                node.pop(key, None)
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                target, _, frag = ref.partition("#")
                path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
                if path != SPEC_PATH.name:
                    for name, schema in _fixed(path).get("components", {}).get("schemas", {}).items():
                        if name not in schemas:
                            schemas[name] = copy.deepcopy(schema)
                            walk(schemas[name], path)
                node["$ref"] = "#" + frag
            for v in list(node.values()):
                walk(v, rel)
        elif isinstance(node, list):
            for v in node:
                walk(v, rel)
    walk(doc, SPEC_PATH.name)
    doc.pop("servers", None)
    return doc


@lru_cache(maxsize=None)
def _fixed(rel: str) -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(SPEC_PATH.parent / rel, encoding="utf-8") as fh:
        doc = _placeholders(yaml.load(fh, Loader=loader))
    for file, pointer, fix in ERRATA:
        if file == rel:
            *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/")]
            node = doc
            for part in parents:
                node = node[part]
            if isinstance(fix, (dict, list)):
                node[last] = fix
                continue
            if fix == "array":
                node[last] = {"type": "array", "items": node[last]}
                continue
            node = node[last]
            node["required"] = [r for r in node.get("required", []) if r not in fix]
            if not node["required"]:
                del node["required"]
    return doc


def spec() -> dict:
    """The spec with absolute ``$ref``s (``urn:toloka-api/<file>#<pointer>``)."""
    return _load(SPEC_PATH.name)


def _norm(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@lru_cache(maxsize=1)
def _operations() -> dict:
    out = {}
    for path, item in spec()["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                out[(method, _norm(path))] = op
    return out


def operation_of(method: str, route_path: str) -> dict | None:
    """The spec's operation for an emulator route (``/v1/pools/{oid}`` -> ``/pools/{id}``), or None."""
    path = route_path[3:] if route_path.startswith("/v1/") else route_path
    return _operations().get((method.lower(), _norm(path)))


@lru_cache(maxsize=None)
def _validator(schema_key: str):
    import json

    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    def retrieve(uri: str):
        return Resource(_load(uri[len(_BASE) + 1:]), specification=DRAFT4)

    return Draft4Validator(json.loads(schema_key), registry=Registry(retrieve=retrieve))


def _schema_key(schema: dict) -> str:
    import json

    def rebase(node):
        if isinstance(node, dict):
            return {k: rebase(v) for k, v in node.items() if k not in ("example", "examples", "description")}
        if isinstance(node, list):
            return [rebase(v) for v in node]
        return node
    return json.dumps(rebase(schema), sort_keys=True)


def validation_error(errors: dict) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", "Validation failed", errors)


def _field(error) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = re.match(r"'([^']+)'", error.message)
        parts.append(missing.group(1) if missing else "")
    return ".".join(parts)


def _code(error) -> str:
    return {"required": "VALUE_REQUIRED", "type": "INVALID_TYPE", "enum": "VALUE_NOT_ALLOWED",
            "oneOf": "INVALID_VALUE"}.get(error.validator, "VALUE_OUT_OF_RANGE")


def check_body(schema: dict, body) -> dict:
    """``{field: {code, message}}`` for every place ``body`` breaks ``schema`` (empty when it conforms)."""
    errors = {}
    for err in _validator(_schema_key(schema)).iter_errors(body):
        errors.setdefault(_field(err), {"code": _code(err), "message": err.message[:300]})
    return errors


_ALWAYS = {"sort", "limit"}   # toloka-kit's paging sends these to every listing, documented or not
_INT_RANGE = {"int32": (-2 ** 31, 2 ** 31 - 1), "int64": (-2 ** 63, 2 ** 63 - 1)}


def _coerce(value: str, schema: dict):
    kind = schema.get("type")
    if kind == "integer":
        number = int(value)
        low, high = _INT_RANGE.get(schema.get("format"), (-float("inf"), float("inf")))
        if not low <= number <= high:
            raise ValueError(value)
        return number
    if kind == "number":
        return float(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise ValueError(value)
        return value == "true"
    return value


def check_request(method: str, route_path: str, params: dict, body) -> None:
    """Refuse a request whose query parameters or body the spec's schemas reject."""
    op = operation_of(method, route_path)
    if op is None:
        return
    errors = {}
    known = {p["name"] for p in op.get("parameters") or () if p.get("in") == "query"} | _ALWAYS
    for name in params:
        if name not in known:
            errors[name] = {"code": "VALUE_NOT_ALLOWED", "message": f"unknown query parameter {name!r}"}
    for p in op.get("parameters") or ():
        if p.get("in") != "query" or p["name"] not in params:
            continue
        schema = p.get("schema") or {}
        try:
            value = _coerce(params[p["name"]], schema)
        except ValueError:
            errors[p["name"]] = {"code": "INVALID_TYPE", "message": f"{p['name']} must be of type {schema.get('type')}"}
            continue
        if p["name"] == "limit" and value < 1:
            errors["limit"] = {"code": "VALUE_OUT_OF_RANGE", "message": "limit must be at least 1"}
        for field, problem in check_body(schema, value).items():
            errors[p["name"] + (f".{field}" if field else "")] = problem
    content = ((op.get("requestBody") or {}).get("content") or {}).get("application/json")
    key = (method.lower(), _norm(route_path[3:]))
    if content and "schema" in content and key not in _PER_ITEM and body is not None:
        errors.update(check_body(content["schema"], body))
    if errors:
        raise validation_error(errors)


def defaults(schema_name: str) -> dict:
    """Top-level ``default`` values the spec documents for a form (e.g. ``auto_accept_solutions: true``)."""
    props = spec()["components"]["schemas"][schema_name].get("properties") or {}
    return {k: v["default"] for k, v in props.items() if isinstance(v, dict) and "default" in v}
