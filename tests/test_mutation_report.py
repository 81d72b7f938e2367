"""`make mutate`'s report, on mutmut records written here: the kill rate of each file leaves out
the reviewed equivalent mutants, every other survivor is listed, and the goal decides the exit."""

from __future__ import annotations

import ast
import fnmatch
import json
import tomllib
from pathlib import Path

from tests.support.paths import ROOT
from tools.quality.mutation import (
    DEFAULT_MODULES,
    EQUIVALENT,
    IAM_WRITERS,
    file_runs,
    mutable,
    mutant_patterns,
    mutated_modules,
    report,
    runs,
)

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


def mangled_functions(module: str) -> set[str]:
    """The names mutmut gives the functions of `module` (`x_f`, `xǁClassǁmethod`)."""
    tree = ast.parse((ROOT / Path(*module.split("."))).with_suffix(".py").read_text())
    functions = {f"x_{node.name}" for node in tree.body if isinstance(node, ast.FunctionDef)}
    for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        functions |= {
            f"xǁ{cls.name}ǁ{node.name}" for node in cls.body if isinstance(node, ast.FunctionDef)
        }
    return functions


def test_constructs_are_mutated_in_their_iam_writing_functions_only() -> None:
    only_mutate = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"][
        "only_mutate"
    ]
    for module, patterns in IAM_WRITERS.items():
        assert f"{module.replace('.', '/')}.py" in only_mutate
        functions = mangled_functions(module)
        for pattern in patterns:
            assert fnmatch.filter(functions, pattern), f"{module}: {pattern} matches nothing"
    assert mutant_patterns("auth_constructs") == [
        f"{module}.{pattern}__mutmut_*"
        for module, patterns in IAM_WRITERS.items()
        for pattern in patterns
    ]
    assert mutant_patterns("auth_constructs.data.photo_storage") == [
        "auth_constructs.data.photo_storage.xǁPhotoStorageǁgrant_*__mutmut_*",
        "auth_constructs.data.photo_storage.xǁPhotoStorageǁ_grant_*__mutmut_*",
        "auth_constructs.data.photo_storage.x__table_arns__mutmut_*",
    ]
    assert mutant_patterns("stage_config") == ["stage_config.*"]


def test_every_module_with_bad_config_cases_judges_the_config_mutants() -> None:
    """A test module that asserts config errors is in mutmut's selection: one left out let the
    replica rules' mutants survive unjudged (83 of them, before it was added)."""
    selection = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"][
        "pytest_add_cli_args_test_selection"
    ]
    asserting = {
        f"tests/{path.name}"
        for path in (ROOT / "tests").glob("test_*.py")
        if any(
            isinstance(node, ast.ImportFrom) and node.module == "tests.support.config_errors"
            for node in ast.walk(ast.parse(path.read_text()))
        )
    }
    assert asserting, "the bad-config tests moved: update this test"
    assert asserting - set(selection) == set()


def test_each_file_or_group_of_construct_functions_is_a_run_of_its_own() -> None:
    """One `mutmut run` per file, and per IAM-writing pattern of a construct, so no run outlives
    the jsii process's heap: every rule file of the config (not the user's stages.py, not a file
    without a function), each pattern of IAM_WRITERS, a single module as one run."""
    rule_files = sorted(
        path.stem
        for path in (ROOT / "stage_config").glob("*.py")
        if path.stem not in {"stages", "__init__"} and "def " in path.read_text()
    )
    assert runs("stage_config") == [f"stage_config.{stem}.*" for stem in rule_files]
    assert runs("auth_constructs") == [
        pattern
        for module in sorted(IAM_WRITERS)
        for pattern in mutant_patterns("auth_constructs")
        if pattern.startswith(f"{module}.")
    ]
    assert runs("tools.review.guard") == ["tools.review.guard.*"]


def test_a_file_run_on_its_own_runs_what_its_module_run_gives_it() -> None:
    """CI runs `make mutate MODULES=<file>` per file (`--files`): each file's runs are exactly
    those its module's run gives it, and no file is left out or run twice."""
    for module in DEFAULT_MODULES:
        found = file_runs(module)
        assert [p for _, patterns in found for p in patterns] == runs(module)
        assert len({source for source, _ in found}) == len(found), module
        for source, patterns in found:
            assert runs(source) == patterns, source
    assert (
        "auth_constructs.data.photo_replica",
        ["auth_constructs.data.photo_replica.xǁPhotoReplicationǁ__init____mutmut_*"],
    ) in file_runs("auth_constructs")


def test_a_file_whose_functions_are_all_decorated_is_no_run() -> None:
    """mutmut skips a decorated function (but a static or class method): a batch for a file
    with only such functions would fail its run ("nothing matches"), as the trigger handlers'
    `@user_safe` did. The handlers are wrapped by assignment so that their bodies are judged."""
    source = ast.parse(
        "@cache\ndef a(): pass\n"
        "class C:\n    @staticmethod\n    def b(): pass\n    @property\n    def c(self): pass\n"
        "def d(): pass\n"
    )
    verdicts = {
        node.name: mutable(node) for node in ast.walk(source) if isinstance(node, ast.FunctionDef)
    }
    assert verdicts == {"a": False, "b": True, "c": False, "d": True}
    handlers = sorted(
        path for path in (ROOT / "lambdas").glob("*/index.py") if "user_safe" in path.read_text()
    )
    assert handlers, "the triggers moved: update this test"
    for path in handlers:
        tree = ast.parse(path.read_text())
        (handle,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "handle"]
        assert mutable(handle), path
    # Every handler's file is a run of its own.
    assert {f"lambdas.{path.parent.name}.index.*" for path in handlers} <= set(runs("lambdas"))


def test_the_reviewed_equivalents_parse_and_each_names_a_mutated_module_with_a_reason() -> None:
    """A duplicate key makes the file unreadable, and `make mutate` with it."""
    equivalent = tomllib.loads(EQUIVALENT.read_text())["equivalent"]
    modules = set(mutated_modules())
    for name, reason in equivalent.items():
        assert name.rsplit(".", 1)[0] in modules, name
        assert "__mutmut_" in name, name
        assert reason.strip(), name
