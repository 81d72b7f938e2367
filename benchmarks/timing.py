"""Wall-clock helper shared by the benchmarks."""

from __future__ import annotations

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
