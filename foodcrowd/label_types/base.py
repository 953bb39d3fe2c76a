"""The label-type contract: one small base class a plugin subclasses.

Data contract: answers flow through the engine as a long table ``task, worker, label`` (crowd-kit's
convention), one table per question, ``label`` being the normalised value (a class name as a string).

A label type tells the engine, for one question spec (a ``questions.<name>`` mapping of the config):
  * ``output_spec``: the Toloka output field (plain dict for ``toloka.client.structure``), whose
    ``allowed_values`` match what the interface offers;
  * ``widget``: the Template Builder component that asks the question;
  * ``normalise``: how a raw answer becomes a label (or ValueError when it cannot);
  * ``aggregators``: which ``aggregation=`` methods can aggregate it;
  * ``aggregate``: answers ``task, worker, label`` -> one label, confidence and answer count per task
    plus a skill per worker (default: the crowd-kit method as is; a multi-label type splits per tag);
  * ``simulate``: how a simulated worker answers it (the emulator's population); ``simulate_many``: the
    same for a page of items in one call (default: ``simulate`` per item);
  * ``score``: how an aggregated label is scored against ground truth (``scores``: vectorised).
  * ``confusable``: True when a per-class confusion matrix makes sense for the report;
    ``empty_label``: True when ``""`` is a real label (no tag applies), so an empty truth is known.
  * ``labeling_config``: the same question as a Label Studio control tag (XML; default: ``<Choices>`` of
    one choice per option: its label shown, its class as ``alias``); Label Studio answers come back as the list of chosen
    values, passed to ``normalise`` as one string (one choice) or the list (several).
"""
from __future__ import annotations

import math
from typing import Any, Iterable


__all__ = ["LabelType"]


class LabelType:
    """Base class of label types. Subclasses set ``name`` and override what differs."""

    name: str = ""
    #: crowd-kit methods for categorical answers (KOS only for two classes)
    CATEGORICAL_METHODS = ("mv", "wawa", "zbs", "ds", "one_coin_ds", "glad", "mace", "mmsr")

    def check(self, name: str, spec: dict) -> Iterable[Any]:
        """Problems with this question's spec beyond the schema (default: none)."""
        return ()

    def classes(self, spec: dict) -> list[str]:
        return [str(c) for c in spec.get("classes") or []]

    def aggregators(self, spec: dict) -> list[str]:
        return list(self.CATEGORICAL_METHODS) + (["kos"] if len(self.classes(spec)) == 2 else [])

    def output_spec(self, name: str, spec: dict) -> dict:
        return {"type": "string", "required": True, "allowed_values": self.classes(spec)}

    def widget(self, name: str, spec: dict, options: list[dict], interface: dict, first_hotkey: int = 1) -> dict:
        raise NotImplementedError

    def labeling_config(self, name: str, spec: dict, options: list[dict], interface: dict, to_name: str = "image",
                        first_hotkey: int = 1, multiple: bool = False) -> str:
        """The question as a Label Studio ``<Choices>`` tag (``multiple``: tick several, e.g. tags); hotkeys
        number the options from ``first_hotkey`` on, across questions, up to 9 (as on Toloka)."""
        from xml.sax.saxutils import quoteattr

        hotkeys = interface.get("hotkeys", True)
        choices = "".join(
            f'\n    <Choice value={quoteattr(str(o.get("label", o["value"])))}'
            + (f' alias={quoteattr(str(o["value"]))}' if str(o.get("label", o["value"])) != str(o["value"]) else "")
            + (f' hotkey="{first_hotkey + i}"' if hotkeys and first_hotkey + i <= 9 else "") + "/>"
            for i, o in enumerate(options))
        required = ' required="true"' if interface.get("required", True) and not multiple else ""
        kind = "multiple" if multiple else "single-radio"
        return (f'  <Header value={quoteattr(str(spec.get("text", name)))}/>\n'
                f'  <Choices name={quoteattr(name)} toName={quoteattr(to_name)} choice="{kind}" showInline="true"'
                f'{required}>{choices}\n  </Choices>')

    def normalise(self, value: Any, spec: dict) -> str:
        label = str(value).lower() if isinstance(value, bool) else str(value)
        if isinstance(value, bool):
            label = "yes" if value else "no"
        if label not in self.classes(spec):
            raise ValueError(f"{value!r} is not one of {self.classes(spec)}")
        return label

    def simulate(self, rng, spec: dict, item: dict, worker: dict) -> Any:
        """One simulated answer (the emulator's population calls this).

        ``item``: ``truth`` (this question's true class or None), ``difficulty`` in [0, 1], ``ambiguous``
        (an edge case), ``appeal`` in [0, 1] (subjective questions). ``worker``: ``accuracy``,
        ``edge_accuracy``, optional ``confusion`` ({true class: {answer: p}}), ``bias`` and ``noise``
        (subjective questions), ``random`` (True for a worker who clicks at random).
        ``rng`` is a ``numpy.random.Generator``.
        """
        import numpy as np

        classes = self.classes(spec)
        if worker.get("random"):
            return classes[int(rng.integers(len(classes)))]
        if not spec.get("objective", True):
            appeal = item.get("appeal")
            p_first = 0.5 if appeal is None or appeal != appeal else float(appeal)
            z = np.log(p_first / (1 - p_first) + 1e-9) + worker.get("bias", 0.0) + rng.normal(0, worker.get("noise", 0.0) + 1e-12)
            return classes[0] if rng.random() < 1 / (1 + np.exp(-z)) else classes[1 % len(classes)]
        truth = item.get("truth")
        if truth is None:
            return classes[int(rng.integers(len(classes)))]
        confusion = (worker.get("confusion") or {}).get(str(truth))
        if confusion and not item.get("ambiguous"):
            labels, probs = zip(*confusion.items())
            return str(labels[int(rng.choice(len(labels), p=np.asarray(probs) / np.sum(probs)))])
        acc = worker.get("edge_accuracy", 0.5) if item.get("ambiguous") else worker.get("accuracy", 0.9)
        acc = acc * (1 - 0.5 * float(item.get("difficulty") or 0.0)) + (1 / len(classes)) * 0.5 * float(item.get("difficulty") or 0.0)
        if rng.random() < acc:
            return str(truth)
        wrong = [c for c in classes if c != str(truth)]
        return wrong[int(rng.integers(len(wrong)))]

    def simulate_many(self, rng, spec: dict, items: list[dict], worker: dict) -> list:
        """``simulate`` for several items answered by one worker (one page): a list of answers, one per item.

        The default calls ``simulate`` per item, so a plugin that overrides only ``simulate`` keeps working.
        For the built-in answer model (``simulate`` not overridden) it draws the page's random numbers in a
        few numpy calls: the same distribution per answer, not the same random stream as ``simulate``.
        """
        if type(self).simulate is not LabelType.simulate:
            return [self.simulate(rng, spec, item, worker) for item in items]
        return _simulate_page(self.classes(spec), spec, items, worker, rng)

    #: single-choice types get a truth x label confusion matrix in the label report
    confusable: bool = True
    #: True when an empty label is a real answer (a multi-label "no tag applies"): a source's empty truth
    #: ``""`` is then known ground truth, not a missing value (:func:`foodcrowd.sources.normalise_items`)
    empty_label: bool = False

    def aggregate(self, answers, method: str, params: dict | None):
        """Aggregate one question's ``answers`` (``task, worker, label``) with crowd-kit's ``method``.

        Returns a :class:`foodcrowd.act.aggregation_methods.Aggregated`: ``labels_`` (index task; label,
        confidence, n_answers), ``skills_`` (index worker) and ``agreement_`` (consistency, uncertainty).
        """
        from foodcrowd.act.aggregation_methods import fit_method

        return fit_method(method, params, answers)

    def score(self, truth: Any, label: Any) -> float:
        """1.0 when the aggregated label equals the truth, else 0.0."""
        return float(str(truth) == str(label))

    def scores(self, truth, labels):
        """:meth:`score` over two aligned pandas Series (override for speed); NaN where truth is missing."""
        import pandas as pd

        known = truth.notna()
        out = pd.Series(float("nan"), index=truth.index)
        if type(self).score is LabelType.score:  # plain equality: vectorised
            out[known] = (truth[known].astype(str) == labels[known].astype(str)).astype(float)
        else:
            out[known] = [self.score(t, lab) for t, lab in zip(truth[known], labels[known])]
        return out


def _simulate_page(classes: list[str], spec: dict, items: list[dict], worker: dict, rng) -> list[str]:
    """The model of ``LabelType.simulate`` over a page of items, with the page's draws made at once."""
    n, k = len(items), len(classes)
    u, v = rng.random(n).tolist(), rng.random(n).tolist()   # u decides, v picks among classes
    if worker.get("random"):
        return [classes[min(int(x * k), k - 1)] for x in v]
    if not spec.get("objective", True):
        noise = rng.normal(0.0, worker.get("noise", 0.0) + 1e-12, n).tolist()
        bias, out = worker.get("bias", 0.0), []
        for item, x, e in zip(items, u, noise):
            appeal = item.get("appeal")
            p = 0.5 if appeal is None or appeal != appeal else float(appeal)
            z = math.log(p / (1 - p) + 1e-9) + bias + e if p < 1 else math.inf
            out.append(classes[0] if z > -700 and x < 1 / (1 + math.exp(-z)) else classes[1 % k])
        return out
    confusions = worker.get("confusion") or {}
    out = []
    for item, x, y in zip(items, u, v):
        truth = item.get("truth")
        if truth is None:
            out.append(classes[min(int(y * k), k - 1)])
            continue
        truth = str(truth)
        confusion = confusions.get(truth)
        if confusion and not item.get("ambiguous"):
            labels, probs = list(confusion), [float(p) for p in confusion.values()]
            total, acc, pick = sum(probs), 0.0, len(labels) - 1
            for j, p in enumerate(probs):
                acc += p / total
                if y < acc:
                    pick = j
                    break
            out.append(str(labels[pick]))
            continue
        difficulty = float(item.get("difficulty") or 0.0)
        right = worker.get("edge_accuracy", 0.5) if item.get("ambiguous") else worker.get("accuracy", 0.9)
        right = right * (1 - 0.5 * difficulty) + (1 / k) * 0.5 * difficulty
        if x < right:
            out.append(truth)
        else:
            wrong = [c for c in classes if c != truth]
            out.append(wrong[min(int(y * len(wrong)), len(wrong) - 1)])
    return out
