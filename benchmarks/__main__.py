"""Print the project's performance figures: synth time vs an empty app, and suite time."""

from __future__ import annotations

import sys
import tempfile

from benchmarks import triggers
from benchmarks.timing import wall_seconds

SYNTH_RUNS = 3


def main() -> None:
    with tempfile.TemporaryDirectory() as out:
        ours = wall_seconds(["cdk", "synth", "--quiet", "-o", f"{out}/ours"], SYNTH_RUNS)
        empty = wall_seconds(
            [
                "cdk",
                "synth",
                "--quiet",
                "-o",
                f"{out}/empty",
                "--app",
                f"{sys.executable} benchmarks/empty_app.py",
            ],
            SYNTH_RUNS,
        )
    print(f"synth, all stages (cdk synth, median of {SYNTH_RUNS}): {ours:.2f} s")
    print(f"synth, empty CDK app (same way):              {empty:.2f} s")
    print(f"ratio (goal <= 1.5):                          {ours / empty:.2f}")
    suite = wall_seconds([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], 1)
    print(f"test suite wall time (goal <= 90 s):          {suite:.1f} s")
    print()
    triggers.main()


if __name__ == "__main__":
    main()
