"""One measurement in a process of its own: `python -m benchmarks.child CASE '{"arg": 1}'`.

Prints `BENCH_RESULT <json>` as its last line: the case's figures, its peak RSS in MB, or
`{"skipped": reason}`. A fresh process per run keeps peak memory per benchmark honest.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

MARK = "BENCH_RESULT "


def peak_rss_mb() -> float:
    """This process's peak resident memory, in MB."""
    # Linux: VmHWM belongs to this program's address space; ru_maxrss would carry over the
    # high-water mark of the parent that forked us (it survives exec).
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux, bytes on macOS
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str]) -> int:
    os.environ.setdefault("TQDM_DISABLE", "1")  # backtesting.py's progress bar
    from benchmarks.cases import CASES, Skip

    if not argv or argv[0] not in CASES:
        print(f"usage: python -m benchmarks.child CASE [JSON]; cases: {', '.join(CASES)}")
        return 2
    kwargs = json.loads(argv[1]) if len(argv) > 1 else {}
    try:
        figures = CASES[argv[0]](**kwargs)
    except Skip as skip:
        figures = {"skipped": str(skip)}
    figures["rss_mb"] = peak_rss_mb()
    print(MARK + json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
