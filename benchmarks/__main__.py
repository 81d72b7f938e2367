"""Print the project's performance figures: synth time vs an empty app, suite time, triggers."""

from __future__ import annotations

import statistics
import sys
import tempfile

from benchmarks import burst, directory_export, triggers
from benchmarks.timing import run_seconds, suite_seconds

SYNTH_RUNS = 5
REVIEW_RUNS = 3


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


def review_ratio() -> tuple[float, float]:
    """Median wall time of `make review BASE=HEAD` (two synths side by side and the diff) and of
    one `make synth`, runs interleaved, on the installed venv and node_modules."""
    review, synth = [], []
    for _ in range(REVIEW_RUNS):
        review.append(run_seconds(["make", "-s", "review", "BASE=HEAD"]))
        synth.append(run_seconds(["make", "-s", "synth"]))
    return statistics.median(review), statistics.median(synth)


def main() -> None:
    ours, empty = synth_ratio()
    print(f"synth, all stages (cdk synth, median of {SYNTH_RUNS}): {ours:.2f} s")
    print(f"synth, empty CDK app (same way):              {empty:.2f} s")
    print(f"ratio (goal <= 1.5):                          {ours / empty:.2f}")
    review, synth = review_ratio()
    print(f"make review BASE=HEAD (median of {REVIEW_RUNS}):          {review:.2f} s")
    print(f"make synth (same runs):                       {synth:.2f} s")
    print(f"ratio (goal <= 2.2):                          {review / synth:.2f}")
    make_test, pytest = suite_seconds()
    print(f"test suite, pytest (goal <= 45 s):            {pytest:.1f} s")
    print(f"make test, warm (goal <= 75 s):               {make_test:.1f} s")
    print()
    triggers.main()
    print()
    burst.main()
    print()
    directory_export.main()


if __name__ == "__main__":
    main()
