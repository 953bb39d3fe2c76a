"""Layer 2: semantic checks that JSON Schema cannot express, registered with :func:`check`.

A check takes the plain config and yields Problems. Checks run even when the schema found problems
(so one run lists everything); a check that trips over a malformed shape the schema already reported is
skipped rather than crashing.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from foodcrowd.validate.errors import Problem

__all__ = ["check", "run_checks", "CHECKS", "MIN_REWARD_PER_PAGE"]

Check = Callable[[dict[str, Any]], Iterable[Problem]]
CHECKS: list[Check] = []
MIN_REWARD_PER_PAGE = 0.005  # Toloka's platform minimum, USD per page


def check(fn: Check) -> Check:
    """Register a semantic check (plugins may register their own)."""
    CHECKS.append(fn)
    return fn


def run_checks(plain: dict[str, Any], schema_ok: bool = True) -> list[Problem]:
    problems: list[Problem] = []
    for fn in CHECKS:
        try:
            problems.extend(fn(plain))
        except (KeyError, TypeError, AttributeError, ValueError, IndexError):
            if schema_ok:  # the schema passed, so this is a bug in the check: surface it
                raise
    return problems


def _questions(plain: dict) -> dict[str, dict]:
    q = plain.get("questions") or {}
    return q if isinstance(q, dict) else {}


@check
def _label_types_known(plain: dict) -> Iterator[Problem]:
    from foodcrowd.label_types import LabelTypeError, get_label_type

    for name, spec in _questions(plain).items():
        try:
            label_type = get_label_type(spec["type"])
        except LabelTypeError as err:
            yield Problem(f"questions.{name}.type", str(err.args[0]), err.fix)
            continue
        yield from label_type.check(name, spec)


@check
def _interface_matches_questions(plain: dict) -> Iterator[Problem]:
    questions = _questions(plain)
    options = (plain.get("interface") or {}).get("options") or {}
    for name in sorted(set(questions) - set(options)):
        yield Problem(f"interface.options.{name}", "is missing", f"one option per class of question {name}: {questions[name].get('classes')}")
    for name in sorted(set(options) - set(questions)):
        yield Problem(f"interface.options.{name}", "names no question", f"questions are: {', '.join(sorted(questions))}")
    for name in sorted(set(options) & set(questions)):
        shown = [o["value"] for o in options[name]]
        classes = list(questions[name].get("classes") or [])
        if classes and sorted(map(str, shown)) != sorted(map(str, classes)):
            yield Problem(f"interface.options.{name}", f"offers {shown}",
                          f"exactly the classes of questions.{name}: {classes}")


@check
def _exam_consistent(plain: dict) -> Iterator[Problem]:
    exam, questions = plain["exam"], _questions(plain)
    if exam.get("form", "none") == "none":
        return
    q = exam.get("question")
    if q not in questions:
        yield Problem("exam.question", f"is {q!r}, not a question", f"one of: {', '.join(sorted(questions))}")
        return
    if not questions[q].get("objective", True):
        yield Problem("exam.question", f"{q!r} is subjective", "an exam needs a question with right answers")
    classes = [str(c) for c in questions[q].get("classes") or []]
    size = exam["size"]
    if exam.get("items"):
        if len(exam["items"]) != size:
            yield Problem("exam.items", f"lists {len(exam['items'])} items", f"exam.size is {size}")
    else:
        total = sum(exam.get("composition", {}).values()) + exam.get("edge_cases", 0)
        if total != size:
            yield Problem("exam.composition", f"adds up to {total} tasks with exam.edge_cases", f"exam.size is {size}")
        for cls in exam.get("composition", {}):
            if classes and str(cls) not in classes:
                yield Problem(f"exam.composition.{cls}", "is not a class of the exam question", f"one of: {classes}")
        if exam.get("edge_cases", 0) and classes and str(exam.get("edge_case_answer")) not in classes:
            yield Problem("exam.edge_case_answer", f"is {exam.get('edge_case_answer')!r}", f"one of: {classes}")
    needed = exam["pass_mark"] * size / 100
    if size and abs(needed - round(needed)) > 1e-9:
        whole = sorted({round(100 * k / size, 2) for k in range(1, size + 1)})
        yield Problem("exam.pass_mark", f"{exam['pass_mark']}% of {size} tasks is {needed:g} tasks, not a whole number",
                      f"one of: {', '.join(f'{w:g}' for w in whole[-4:])} ...")


@check
def _pricing_and_pages(plain: dict) -> Iterator[Problem]:
    crowd, quality = plain["crowd"], plain.get("quality") or {}
    if crowd["backend"] == "label_studio":   # in-house: no reward, no pages, no control tasks (see below)
        return
    if crowd["reward_per_page"] < MIN_REWARD_PER_PAGE:
        yield Problem("crowd.reward_per_page", f"is ${crowd['reward_per_page']}", f">= ${MIN_REWARD_PER_PAGE}, Toloka's minimum per page")
    control = quality.get("control_tasks") or {}
    per_page = crowd["control_tasks_per_page"]
    if control.get("enabled") and per_page < 1:
        yield Problem("crowd.control_tasks_per_page", "is 0 while quality.control_tasks is enabled", ">= 1, or disable the rule")
    if control.get("enabled"):
        q = control.get("question")
        questions = _questions(plain)
        if q not in questions:
            yield Problem("quality.control_tasks.question", f"is {q!r}, not a question", f"one of: {', '.join(sorted(questions))}")
        elif not questions[q].get("objective", True):
            yield Problem("quality.control_tasks.question", f"{q!r} is subjective", "control tasks need a question with right answers")
        n = len(control.get("items") or []) or control.get("sample", 0)
        if n < per_page:
            yield Problem("quality.control_tasks.sample", f"gives {n} control items", f">= crowd.control_tasks_per_page ({per_page})")
    if per_page > 0 and not control.get("enabled"):
        yield Problem("crowd.control_tasks_per_page", f"is {per_page} but quality.control_tasks is off", "0, or enable the rule")
    dyn = crowd.get("dynamic_overlap") or {}
    if dyn.get("enabled") and dyn["min_overlap"] > dyn["max_overlap"]:
        yield Problem("crowd.dynamic_overlap.min_overlap", f"{dyn['min_overlap']} > max_overlap {dyn['max_overlap']}", "min_overlap <= max_overlap")
    mv = quality.get("majority_vote") or {}
    top = dyn["max_overlap"] if dyn.get("enabled") else crowd["overlap"]
    if mv.get("enabled") and mv["answer_threshold"] > top:
        yield Problem("quality.majority_vote.answer_threshold", f"is {mv['answer_threshold']}, more than the overlap {top}",
                      f"<= {top}, or the rule can never act")


@check
def _aggregation_fits_questions(plain: dict) -> Iterator[Problem]:
    from foodcrowd.label_types import LabelTypeError, get_label_type

    agg, questions = plain["aggregation"], _questions(plain)
    for name in sorted(set(agg.get("per_question") or {}) - set(questions)):
        yield Problem(f"aggregation.per_question.{name}", "names no question", f"questions are: {', '.join(sorted(questions))}")
    for name, spec in questions.items():
        override = (agg.get("per_question") or {}).get(name) or {}
        method = override.get("method", agg["method"])
        path = f"aggregation.per_question.{name}.method" if "method" in override else "aggregation.method"
        try:
            label_type = get_label_type(spec["type"])
        except LabelTypeError:
            continue  # reported by _label_types_known
        allowed = label_type.aggregators(spec)
        if method not in allowed:
            yield Problem(path, f"{method!r} cannot aggregate question {name!r} ({spec['type']}, {len(spec.get('classes') or [])} classes)",
                          f"one of: {', '.join(allowed)}")


@check
def _secrets_present(plain: dict) -> Iterator[Problem]:
    import os

    crowd = plain["crowd"]
    if crowd["backend"] in ("emulator", "label_studio"):   # no Toloka token, no public images needed
        return
    if plain.get("action", "run") == "run" and not os.environ.get(crowd["token_env"]):
        yield Problem("crowd.token_env", f"environment variable {crowd['token_env']} is not set",
                      f"export {crowd['token_env']}=<your Toloka OAuth token>, or use action=plan")
    if plain.get("action", "run") == "run":
        ds = plain.get("dataset") or {}
        if not ds.get("public_base_url") and not ds.get("s3"):
            yield Problem("dataset.public_base_url", "is not set, so real annotators could not see the images",
                          "a URL prefix where the files are served, or dataset.s3 for an upload")


@check
def _targets_allowed(plain: dict) -> Iterator[Problem]:
    from foodcrowd.instantiate import ALLOWED_PREFIXES

    target = (plain.get("model") or {}).get("_target_", "")
    if target is not None and not str(target).startswith(ALLOWED_PREFIXES):  # null = model=none, no training
        yield Problem("model._target_", f"is {target!r}, outside the allow-list", "a class under: " + ", ".join(ALLOWED_PREFIXES))


@check
def _dataview_weights_fit_questions(plain: dict) -> Iterator[Problem]:
    questions = _questions(plain)
    for name, spec in ((plain.get("dataview") or {}).get("weights") or {}).items():
        if name not in questions:
            yield Problem(f"dataview.weights.{name}", "names no question", f"questions are: {', '.join(sorted(questions))}")
        elif isinstance(spec, dict):
            classes = [str(c) for c in questions[name].get("classes") or []]
            for cls in sorted(set(map(str, spec)) - set(classes)) if classes else ():
                yield Problem(f"dataview.weights.{name}.{cls}", f"is not a class of question {name}",
                              f"one of: {', '.join(classes)}")


@check
def _instructions_readable(plain: dict) -> Iterator[Problem]:
    """``interface.instructions`` names a readable file (relative to conf/): found before anything exists."""
    from pathlib import Path

    from foodcrowd import CONF_DIR

    name = (plain.get("interface") or {}).get("instructions")
    if not name:
        return
    path = Path(str(name)).expanduser()
    path = path if path.is_absolute() else CONF_DIR / path
    if not path.is_file():
        yield Problem("interface.instructions", f"{path} is not a readable file",
                      "name a markdown file relative to conf/ (e.g. instructions/food.md) or an absolute path")


@check
def _golden_set_fits(plain: dict) -> Iterator[Problem]:
    """golden=label_studio: the expert's candidates must be able to hold the exam and the control tasks."""
    golden = plain.get("golden") or {}
    if golden.get("source") != "label_studio":
        return
    exam, control = plain.get("exam") or {}, (plain.get("quality") or {}).get("control_tasks") or {}
    need = (int(exam.get("size") or 0) if exam.get("form", "none") != "none" and not exam.get("items") else 0) \
        + (int(control.get("sample") or 0) if control.get("enabled") and not control.get("items") else 0)
    if need > int(golden.get("size") or 0):
        yield Problem("golden.size", f"{golden.get('size')} candidates cannot hold exam.size + control_tasks.sample "
                      f"= {need} expert-labelled items", f">= {need}, or lower exam.size / quality.control_tasks.sample")


@check
def _label_studio_token_present(plain: dict) -> Iterator[Problem]:
    """An existing Label Studio (review.url) needs its token in the environment when it will be used."""
    import os

    review = plain.get("review") or {}
    used = plain.get("action") in ("preview", "review") or (plain.get("golden") or {}).get("source") == "label_studio" \
        or (plain.get("crowd") or {}).get("backend") == "label_studio"
    env = review.get("token_env") or "LABEL_STUDIO_API_KEY"
    if used and review.get("url") and not os.environ.get(env):
        yield Problem("review.url", f"is set but ${env} is empty",
                      f"export {env}=<the token from Label Studio's Account & Settings>, or review.url=null")


@check
def _label_studio_crowd(plain: dict) -> Iterator[Problem]:
    """crowd=label_studio: Label Studio hands each task to ``overlap`` annotators; nothing dynamic."""
    crowd = plain.get("crowd") or {}
    if crowd.get("backend") == "label_studio" and (crowd.get("dynamic_overlap") or {}).get("enabled"):
        yield Problem("crowd.dynamic_overlap.enabled", "is true, but Label Studio gives each task a fixed number of "
                      "annotators (crowd.overlap)", "crowd.dynamic_overlap.enabled=false with crowd=label_studio")
