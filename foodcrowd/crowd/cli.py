"""``python -m foodcrowd.crowd fit ANSWERS [--truth F] [--times F] [--types N] [--out F]``: fit a simulated
population from recorded answers and write it as a ``crowd.population`` YAML (``conf/crowd/population/``).

Answers: any file ``foodcrowd.sources.crowd_files.read_answers`` reads (crowd-kit ``task,worker,label``,
``question,worker,answer``, a Toloka assignments export). Bad input: one line naming the file and the fix,
exit code 2.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m foodcrowd.crowd", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    fit = sub.add_parser("fit", help="fit a population YAML from recorded answers")
    fit.add_argument("answers", help="recorded answers (CSV/TSV/Parquet)")
    fit.add_argument("--truth", help="true labels (task,true_label or question,truth); else Dawid-Skene estimates them")
    fit.add_argument("--times", help="times per answer or assignment (seconds, or started/submitted timestamps)")
    fit.add_argument("--types", type=int, default=3, help="worker types to cluster into (default 3)")
    fit.add_argument("--question", help="the output field of a Toloka export to fit (default: the first)")
    fit.add_argument("--seed", type=int, default=0)
    fit.add_argument("--out", default="fitted_population.yaml", help="where to write the population YAML")
    return p


def _header(args, quality: dict) -> str:
    return (f"# A simulated population fitted from recorded answers ({Path(args.answers).name}"
            f"{', truth ' + Path(args.truth).name if args.truth else ', truth estimated by Dawid-Skene'}).\n"
            f"# Made by: python -m foodcrowd.crowd fit {args.answers}"
            f"{' --truth ' + args.truth if args.truth else ''}{' --times ' + args.times if args.times else ''}"
            f" --types {args.types}\n"
            f"# Use it: copy to conf/crowd/population/<name>.yaml, then crowd/population=<name>\n"
            f"# Fit: log-likelihood {quality['log_likelihood']} ({quality['log_likelihood_per_answer']} per answer), "
            f"held-out agreement {quality['held_out_agreement']} (baseline {quality['held_out_baseline']})\n")


def _fit(args) -> int:
    import yaml
    from rich.console import Console
    from rich.table import Table

    from foodcrowd.crowd.fit import FitError, fit_population
    from foodcrowd.crowd.fit_times import read_times
    from foodcrowd.sources.crowd_files import CrowdFileError, read_answers, read_truth

    err = Console(stderr=True)
    try:
        answers = read_answers(args.answers, output_field=args.question)
        truth = read_truth(args.truth) if args.truth else None
        times = read_times(args.times) if args.times else None
        if args.types < 1:
            raise FitError("--types must be at least 1")
        fit = fit_population(answers, truth, times, n_types=args.types, seed=args.seed)
    except (CrowdFileError, FitError) as e:
        err.print(f"[red]error:[/red] {e}")
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(_header(args, fit.quality_) + yaml.safe_dump(fit.population_, sort_keys=False, width=120))
    tmp.replace(out)
    table = Table(title=f"population fitted from {fit.quality_['answers']:,} answers of {fit.quality_['workers']} workers")
    for col in ("type", "share", "accuracy", "seconds/task"):
        table.add_column(col, justify="right")
    for name, t in fit.population_["types"].items():
        table.add_row(name, f"{t['share']:.2f}", f"{t['accuracy']:.3f}", str(t.get("seconds_per_task", "-")))
    err.print(table)
    q = fit.quality_
    err.print(f"log-likelihood {q['log_likelihood']} ({q['log_likelihood_per_answer']} per answer); held-out agreement "
              f"{q['held_out_agreement']} on {q['held_out_answers']} answers (most-common-label baseline "
              f"{q['held_out_baseline']}); truth: {q['truth']}; times: {fit.population_['fitted']['timing']}")
    err.print(f"wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _fit(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
