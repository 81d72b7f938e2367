"""Print the project's performance figures: synth time vs an empty app, suite time, triggers."""

from __future__ import annotations

import statistics
import sys
import tempfile

from benchmarks import triggers
from benchmarks.timing import run_seconds

SYNTH_RUNS = 5


def synth_ratio() -> tuple[float, float]:
    """Median `cdk synth` wall time of this app and of an empty app, runs interleaved so that
    machine noise hits both alike."""
    ours, empty = [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(SYNTH_RUNS):
            ours.append(run_seconds(["cdk", "synth", "--quiet", "-o", f"{out}/ours"]))
            empty.append(
                run_seconds(
                    [
                        "cdk",
                        "synth",
                        "--quiet",
                        "-o",
                        f"{out}/empty",
                        "--app",
                        f"{sys.executable} benchmarks/empty_app.py",
                    ]
                )
            )
    return statistics.median(ours), statistics.median(empty)


def main() -> None:
    ours, empty = synth_ratio()
    print(f"synth, all stages (cdk synth, median of {SYNTH_RUNS}): {ours:.2f} s")
    print(f"synth, empty CDK app (same way):              {empty:.2f} s")
    print(f"ratio (goal <= 1.5):                          {ours / empty:.2f}")
    suite = run_seconds([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
    print(f"test suite wall time, pytest (goal <= 45 s):  {suite:.1f} s")
    print()
    triggers.main()


if __name__ == "__main__":
    main()
