"""python -m bench [--runs N] [--json FILE] [--only NAME]: measure, print a table, write JSON."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import engine, ui
from bench.measure import Result

DEFAULT_JSON = Path(__file__).parent / "results" / "latest.json"


def suites() -> dict[str, Callable[[int], list[Result]]]:
    found: dict[str, Callable[[int], list[Result]]] = {
        "check": lambda runs: [engine.bench_check_process(runs)],
        "probe": lambda runs: [engine.bench_probe(runs)],
        "plan": engine.bench_plan_and_round_trip,
        "plan-size": engine.bench_plan_sizes,
        "apply": engine.bench_apply_and_rollback,
    }
    found.update(ui.SUITES)
    return found


def table(results: list[Result]) -> str:
    rows = [("benchmark", "median (min, max)", "baseline median (min, max)", "ratio", "budget", "ok")]
    for result in results:
        rows.append(
            (
                result.name,
                f"{result.shown(result.measured)} {result.unit}",
                f"{result.shown(result.baseline)} {result.unit}",
                f"{result.ratio:.2f}x",
                result.budget_text(),
                "yes" if result.within_budget else "NO",
            )
        )
    widths = [max(len(row[index]) for row in rows) for index in range(len(rows[0]))]
    lines = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    baselines = sorted({f"- {result.name}: baseline = {result.baseline_name}" for result in results})
    return "\n".join(lines) + "\n\n" + "\n".join(baselines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="timed runs per figure (default 15)")
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"where to write the results ({DEFAULT_JSON})"
    )
    parser.add_argument(
        "--only",
        action="append",
        help="run only these suites (check, probe, plan, apply, ...; repeat it or separate with commas)",
    )
    args = parser.parse_args(argv)
    chosen = suites()
    names = [name for item in args.only for name in item.split(",") if name] if args.only else list(chosen)
    unknown = [name for name in names if name not in chosen]
    if unknown:
        parser.error(f"unknown suite(s) {', '.join(unknown)}; known: {', '.join(chosen)}")
    results: list[Result] = []
    for name in names:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        results.extend(chosen[name](args.runs))
    print(table(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "machine": {"python": platform.python_version(), "platform": platform.platform()},
                "runs": args.runs,
                "results": [result.to_json() for result in results],
            },
            indent=2,
        )
        + "\n"
    )
    return 0 if all(result.within_budget for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
