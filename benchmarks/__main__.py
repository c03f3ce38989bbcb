"""`python -m benchmarks` (`make bench`): build the data, run every benchmark, print the table,
write benchmarks/results/latest.json (and baseline.json with --baseline)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from benchmarks import suite
from benchmarks.data import BenchDataError
from benchmarks.machine import describe


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--repeat", type=int, help="runs per benchmark (default: each its own)")
    parser.add_argument(
        "--only", action="append", default=[], help="run benchmarks whose name contains this"
    )
    parser.add_argument("--group", action="append", default=[], help="run only this group")
    parser.add_argument("--baseline", action="store_true", help="also write baseline.json")
    parser.add_argument(
        "--out", type=Path, default=suite.RESULTS_DIR, help="results folder (benchmarks/results)"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--markdown", type=Path, help="print a results JSON file as a Markdown table and exit"
    )
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.markdown:
        try:
            print(suite.markdown(json.loads(args.markdown.read_text())))
        except (OSError, ValueError, KeyError) as exc:
            print(f"cannot read results file {args.markdown}: {exc}", file=sys.stderr)
            return 2
        return 0
    chosen = [
        spec
        for spec in suite.specs()
        if (not args.only or any(part.lower() in spec.name.lower() for part in args.only))
        and (not args.group or spec.group in args.group)
    ]
    if args.list:
        for spec in suite.specs():
            print(f"{spec.group:10s} {spec.name}")
        return 0
    if not chosen:
        print("no benchmark matches --only/--group; see --list", file=sys.stderr)
        return 2
    # Baselines run with what they are compared to, so every ratio has both sides.
    names = {spec.name for spec in chosen}
    chosen = [s for s in suite.specs() if s.name in names or any(
        c.baseline == s.name for c in chosen)]  # fmt: skip

    def say(text: str) -> None:
        print(text, flush=True)

    started = time.perf_counter()
    machine = describe()
    say(f"machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB")
    try:
        suite.build_data(args.quick, say)
    except BenchDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    runs = suite.run_suite(chosen, quick=args.quick, repeats=args.repeat, say=say)
    rows = suite.summarise(chosen, runs, args.quick)
    machine["load_average_at_end"] = list(os.getloadavg())
    result = {
        "machine": machine,
        "quick": args.quick,
        "seconds": round(time.perf_counter() - started, 1),
        "rows": rows,
    }
    suite.print_table(rows)
    for path in suite.write(result, args.baseline, args.out):
        say(f"wrote {path}")
    say(f"benchmarks took {result['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
