"""transmission's benchmark suite: `python -m benchmarks` (`make bench`).

See docs/performance.md.
"""
