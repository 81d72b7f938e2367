"""`make mutate`'s report, on mutmut records written here: the kill rate of each file leaves out
the reviewed equivalent mutants, every other survivor is listed, and the goal decides the exit."""

from __future__ import annotations

import json
from pathlib import Path

from tools.quality.mutation import report

KILLED, SURVIVED, NO_TESTS, TIMEOUT = 1, 0, 33, 36


def record(mutants: Path, path: str, codes: dict[str, int]) -> None:
    meta = mutants / f"{path}.meta"
    meta.parent.mkdir(parents=True, exist_ok=True)
    meta.write_text(json.dumps({"exit_code_by_key": codes}))


def guard_records(mutants: Path, survivors: int) -> None:
    """`tools.review.guard`: 18 killed, one timed out, `survivors` survived (name `_s<i>`)."""
    codes = {f"tools.review.guard.x_compare__mutmut_{i}": KILLED for i in range(18)}
    codes["tools.review.guard.x_compare__mutmut_t"] = TIMEOUT
    codes |= {f"tools.review.guard.x_compare__mutmut_s{i}": SURVIVED for i in range(survivors)}
    record(mutants, "tools/review/guard.py", codes)


def test_rate_per_file_without_equivalents_and_every_survivor_listed(tmp_path: Path) -> None:
    guard_records(tmp_path, survivors=2)
    record(
        tmp_path, "tools/review/iam_diff.py", {"tools.review.iam_diff.x_roles__mutmut_1": NO_TESTS}
    )
    equivalent = {"tools.review.guard.x_compare__mutmut_s0": "reordering a sorted set"}
    lines, reached = report(
        tmp_path, ("tools.review.guard",), equivalent, {"tools.review.guard": 90}
    )
    assert "| `tools.review.guard` | 21 | 18 | 1 | 2 | 0 | 1 | 95.0% |" in lines
    assert "- `tools.review.guard`: 1.5 min" in lines
    assert "- tools.review.guard.x_compare__mutmut_s1 (survived)" in lines
    assert not any("mutmut_s0 (" in line for line in lines)
    assert not any("iam_diff" in line for line in lines), "only the modules asked for"
    assert reached


def test_under_the_goal_or_a_stale_equivalent_fails(tmp_path: Path) -> None:
    guard_records(tmp_path, survivors=3)
    lines, reached = report(tmp_path, ("tools.review.guard",), {}, {})
    assert lines[-1] == "Under the 90% goal: tools.review.guard"
    assert not reached
    killed = {"tools.review.guard.x_compare__mutmut_0": "thought equivalent, but a test kills it"}
    guard_records(tmp_path, survivors=0)
    lines, reached = report(tmp_path, ("tools.review.guard",), killed, {})
    assert "- tools.review.guard.x_compare__mutmut_0" in lines
    assert not reached


def test_no_tests_count_against_the_rate(tmp_path: Path) -> None:
    record(
        tmp_path, "lambdas/pre_sign_up/index.py", {"lambdas.pre_sign_up.index.x_f__mutmut_1": 33}
    )
    lines, reached = report(tmp_path, ("lambdas",), {}, {})
    assert "| `lambdas.pre_sign_up.index` | 1 | 0 | 0 | 0 | 1 | 0 | 0.0% |" in lines
    assert "- lambdas.pre_sign_up.index.x_f__mutmut_1 (no tests)" in lines
    assert not reached
