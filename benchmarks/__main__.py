"""Print the project's performance figures: synth time vs an empty app, suite time, triggers."""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile

from auth_constructs.compliance.control_tower import FINDINGS
from benchmarks import burst, directory_export, triggers
from benchmarks.timing import run_seconds, suite_seconds

SYNTH_RUNS = 5
REVIEW_RUNS = 3


def synth_seconds() -> tuple[float, float, float]:
    """Median `cdk synth` wall time of this app with its Control Tower findings kept (every
    template judged before, as in a `cdk deploy` after `make synth`), of this app judging every
    template afresh (a fresh clone, a CI runner), and of an empty app, runs interleaved so that
    machine noise hits all alike."""
    warm, cold, empty = [], [], []
    with tempfile.TemporaryDirectory() as out:

        def synth(name: str, *app: str) -> float:
            return run_seconds(["cdk", "synth", "--quiet", "-o", f"{out}/{name}", *app])

        for _ in range(SYNTH_RUNS):
            shutil.rmtree(FINDINGS, ignore_errors=True)
            cold.append(synth("ours"))
            warm.append(synth("ours"))
            empty.append(synth("empty", "--app", f"{sys.executable} benchmarks/empty_app.py"))
    return statistics.median(warm), statistics.median(cold), statistics.median(empty)


def review_ratio() -> tuple[float, float]:
    """Median wall time of `make review BASE=HEAD` (two synths side by side and the diff) and of
    one `make synth`, runs interleaved, on the installed venv and node_modules."""
    review, synth = [], []
    for _ in range(REVIEW_RUNS):
        review.append(run_seconds(["make", "-s", "review", "BASE=HEAD"]))
        synth.append(run_seconds(["make", "-s", "synth"]))
    return statistics.median(review), statistics.median(synth)


def main() -> None:
    warm, cold, empty = synth_seconds()
    print(f"synth, all stages (cdk synth, median of {SYNTH_RUNS}): {warm:.2f} s")
    print(f"synth, empty CDK app (same way):              {empty:.2f} s")
    print(f"ratio (goal <= 1.5):                          {warm / empty:.2f}")
    print(f"synth, every template judged afresh:          {cold:.2f} s")
    print(f"ratio (a fresh clone, CI; no goal):           {cold / empty:.2f}")
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
