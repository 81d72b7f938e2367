"""Wall-clock helper shared by the benchmarks."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_seconds(command: Sequence[str]) -> float:
    """Wall time of one run of `command`; a failing command aborts the benchmark."""
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


PYTEST_SUMMARY = re.compile(r"\bpassed\b.* in (\d+(?:\.\d+)?)s")
"""pytest's last line (`=== 812 passed, 3 skipped in 41.20s (0:00:41) ===`)."""


def suite_seconds() -> tuple[float, float]:
    """(wall time of a warm `make test`, pytest's own time within it): one run gives both, as the
    suite's goals name both (mypy runs beside pytest in `make test`)."""
    start = time.perf_counter()
    result = subprocess.run(
        ["make", "-s", "test"], cwd=ROOT, check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    summaries = PYTEST_SUMMARY.findall(result.stdout)
    if not summaries:
        raise RuntimeError(f"no pytest summary in the output of `make test`:\n{result.stdout}")
    return wall, float(summaries[-1])
