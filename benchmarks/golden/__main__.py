"""Record the golden replays: `python -m benchmarks.golden`."""

from benchmarks.golden import record

for path in record():
    print(f"wrote {path}")
