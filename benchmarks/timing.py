"""Wall-clock helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall_seconds(command: Sequence[str], runs: int) -> float:
    """Median wall time of `command` over `runs` runs; any failure aborts the benchmark."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
