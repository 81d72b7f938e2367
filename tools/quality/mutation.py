"""`make mutate`: mutation testing (mutmut) of the modules that protect users, and its report.

    python -m tools.quality.mutation [MODULE ...]     run mutmut per module, then report
    python -m tools.quality.mutation --report-only    report what `mutants/` holds
    python -m tools.quality.mutation --files          the files to run, as JSON (CI's matrix)

Each MODULE (dotted, as mutmut names mutants: `stage_config`, `tools.review.guard`, `lambdas`,
or one file: `stage_config.replica`) is timed on its own, as one `mutmut run` per file or per
group of a construct's functions (`runs`); mutmut runs each mutant against only the tests that
cover its function (`[tool.mutmut]` in pyproject.toml). The report gives per source file the
mutants, killed, survived, equivalent and the kill rate, lists every survivor, and fails when a
file's kill rate of non-equivalent mutants is under the goal. Equivalent mutants are the
reviewed ones in `tests/mutation/equivalent.toml`, each with its reason.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from mutmut.stats import status_by_exit_code

from tools.review.templates import ROOT

MUTANTS = ROOT / "mutants"
EQUIVALENT = ROOT / "tests" / "mutation" / "equivalent.toml"
DEFAULT_MODULES = (
    "stage_config",
    "tools.review.guard",
    "tools.review.security_diff",
    "tools.review.iam_diff",
    "tools.review.resource_policy_diff",
    "lambdas",
    "auth_constructs",
    "auth_constructs.compliance.findings_cache",
)
IAM_WRITERS = {
    "auth_constructs.identity.identity_access": ("xǁIdentityAccessǁ*", "x__arn"),
    "auth_constructs.identity.identity_pool": ("xǁIdentityPoolǁ*", "x_provider_name"),
    "auth_constructs.identity.triggers": (
        "xǁCognitoTriggersǁ_function",
        "xǁCognitoTriggersǁ_allow_on_pool",
        "x_trigger_function",
    ),
    "auth_constructs.identity.replica_triggers": ("xǁReplicaTriggersǁ*",),
    "auth_constructs.identity.pool_replica": ("xǁRegionalSettingsǁ_sms",),
    "auth_constructs.operations.smoke_access": ("*",),
    "auth_constructs.operations.preflight_access": ("*",),
    "auth_constructs.data.customer_key": (
        "xǁCustomerKeyǁ__init__",
        "xǁCustomerKeyǁencrypt_log_group",
        "xǁCustomerKeyǁallow_*",
        "xǁCustomerKeyǁgrant_*",
        "xǁCustomerKeyReplicaǁ*",
        "x_*_statement",
        "x_*_statements",
        "x_grants_only_for_aws_resources",
    ),
    "auth_constructs.data.photo_storage": (
        "xǁPhotoStorageǁgrant_*",
        "xǁPhotoStorageǁ_grant_*",
        "x__table_arns",
    ),
    "auth_constructs.data.photo_replica": ("xǁPhotoReplicationǁ__init__",),
}
"""The functions of the constructs that write IAM policies and trust, the only ones of theirs
mutated: each mutant builds the small test-owned stacks of the tests that cover it (about a
second), where their bucket settings, alarms or log groups would need the whole app."""
GOAL = 0.9
DETECTED = frozenset({"killed", "timeout"})
"""A timeout is a mutant the suite noticed (it never finished), as mutmut counts it."""


@dataclass
class FileResult:
    module: str
    statuses: Counter[str] = field(default_factory=Counter)
    survivors: list[str] = field(default_factory=list)
    equivalent: int = 0

    @property
    def checked(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != "not checked")

    @property
    def detected(self) -> int:
        return sum(self.statuses[status] for status in DETECTED)

    @property
    def rate(self) -> float:
        """Detected mutants over the checked, non-equivalent ones."""
        candidates = self.checked - self.equivalent
        return self.detected / candidates if candidates else 1.0


def exit_codes(mutants: Path) -> dict[str, dict[str, int | None]]:
    """{module: {mutant name: mutmut's exit code}} from mutmut's `<file>.py.meta` records;
    `mutants/lambdas/pre_sign_up/index.py.meta` is module `lambdas.pre_sign_up.index`."""
    return {
        ".".join(meta.relative_to(mutants).with_suffix("").with_suffix("").parts): json.loads(
            meta.read_text()
        )["exit_code_by_key"]
        for meta in sorted(mutants.rglob("*.py.meta"))
    }


def results(
    mutants: Path, prefixes: tuple[str, ...], equivalent: dict[str, str]
) -> list[FileResult]:
    """Every mutated file under one of `prefixes`, with the status of each of its mutants."""
    found = []
    for module, codes in exit_codes(mutants).items():
        if not any(module == p or module.startswith(f"{p}.") for p in prefixes):
            continue
        result = FileResult(module)
        for name, exit_code in sorted(codes.items()):
            status = status_by_exit_code[exit_code]
            result.statuses[status] += 1
            if status in DETECTED or status == "not checked":
                continue
            if name in equivalent:
                result.equivalent += 1
            else:
                result.survivors.append(f"{name} ({status})")
        if result.statuses:
            found.append(result)
    return found


def stale_equivalents(
    mutants: Path, prefixes: tuple[str, ...], equivalent: dict[str, str]
) -> list[str]:
    """Entries of the equivalent file that a test now kills, or that no longer exist."""
    codes = {
        name: code for by_name in exit_codes(mutants).values() for name, code in by_name.items()
    }
    known = set(codes)
    survivors = {name for name, code in codes.items() if status_by_exit_code[code] not in DETECTED}
    return sorted(
        name
        for name in equivalent
        if any(name.startswith(f"{p}.") for p in prefixes)
        and (name not in known or name not in survivors)
    )


def report(
    mutants: Path,
    prefixes: tuple[str, ...],
    equivalent: dict[str, str],
    seconds: dict[str, float],
) -> tuple[list[str], bool]:
    """The Markdown report, and whether every file reaches the goal."""
    found = results(mutants, prefixes, equivalent)
    lines = [
        "| module | mutants | killed | timeout | survived | no tests | equivalent | kill rate |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in found:
        s = r.statuses
        lines.append(
            f"| `{r.module}` | {r.checked} | {s['killed']} | {s['timeout']} | {s['survived']} "
            f"| {s['no tests']} | {r.equivalent} | {r.rate:.1%} |"
        )
    lines += ["", *(f"- `{p}`: {seconds[p] / 60:.1f} min" for p in prefixes if p in seconds)]
    survivors = [name for r in found for name in r.survivors]
    lines += ["", f"Survivors ({len(survivors)}; `mutmut show <name>` shows one):", ""]
    lines += [f"- {name}" for name in survivors] or ["- none"]
    stale = stale_equivalents(mutants, prefixes, equivalent)
    if stale:
        lines += ["", f"Stale entries in {EQUIVALENT.relative_to(ROOT)} (killed or gone):", ""]
        lines += [f"- {name}" for name in stale]
    below = [r.module for r in found if r.rate < GOAL]
    if below:
        lines += ["", f"Under the {GOAL:.0%} goal: {', '.join(below)}"]
    return lines, not below and not stale and bool(found)


def mutant_patterns(module: str) -> list[str]:
    """The mutant names of `module` to run: its IAM-writing functions where it holds some of
    `IAM_WRITERS`, else every mutant of it."""
    writers = [
        f"{name}.{function}__mutmut_*"
        for name, functions in IAM_WRITERS.items()
        if name == module or name.startswith(f"{module}.")
        for function in functions
    ]
    return writers or [f"{module}.*"]


def file_runs(module: str) -> list[tuple[str, list[str]]]:
    """(source file, its mutant patterns) for each file of `module` with mutants to run; CI runs
    one job per file (`--files`)."""
    patterns = mutant_patterns(module)
    whole = patterns == [f"{module}.*"]
    found = []
    for source in mutated_modules():
        if source == module or source.startswith(f"{module}."):
            mine = [p for p in patterns if p.startswith(f"{source}.")]
            if whole and not mine:
                mine = [f"{source}.*"]
            if mine:
                found.append((source, mine))
    return found


def runs(module: str) -> list[str]:
    """`module`'s mutant patterns, each one `mutmut run`: a whole file, or one group of a
    construct's IAM-writing functions (about 100 mutants at most). Every mutant's tests build
    their CDK objects in the one jsii (Node) process the workers inherit, which frees none of
    them: a run over all of `stage_config` ran it out of its 4 GB heap after 81 minutes, and one
    over the customer key's 390 mutants stopped twice with a `KeyError` on a pid mutmut had
    not started (its fork runner reaps any child, this process among them). Each run starts a
    fresh one (mutmut keeps its test map between runs)."""
    return [pattern for _, patterns in file_runs(module) for pattern in patterns]


@cache
def mutated_modules() -> tuple[str, ...]:
    """Every module `[tool.mutmut]` mutates that has a function mutmut mutates (function bodies
    only, never a decorated function's: `mutable`), since a run filtered to a file without one
    is an error. Read once per process: it parses every file mutmut mutates."""
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    skipped = {path for glob in settings.get("do_not_mutate", []) for path in ROOT.glob(glob)}
    files = {path for glob in settings["only_mutate"] for path in ROOT.glob(glob)} - skipped
    return tuple(
        sorted(
            ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for path in files
            if any(mutable(node) for node in ast.walk(ast.parse(path.read_text())))
        )
    )


def mutable(node: ast.AST) -> bool:
    """A function mutmut mutates: not decorated, or only as a static or class method (mutmut
    3.8's rule, `file_mutation.py`, so that defining it has no side effect)."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    decorators = node.decorator_list
    return not decorators or (
        len(decorators) == 1
        and isinstance(decorators[0], ast.Name)
        and decorators[0].id in {"staticmethod", "classmethod"}
    )


def run(module: str) -> float:
    """`mutmut run` over `module`'s mutants, one run per pattern of `runs` (mutmut re-runs every
    named mutant); seconds."""
    MUTANTS.mkdir(exist_ok=True)
    link = MUTANTS / "node_modules"  # the tests run Node tools from the copy's root
    if not link.is_symlink():
        link.symlink_to(ROOT / "node_modules")
    # One worker: the tests' CDK apps talk to the jsii process the workers inherit.
    command = [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", "1"]
    start = time.monotonic()
    with (MUTANTS / f"{module}.log").open("w") as log:
        for pattern in runs(module):
            subprocess.run([*command, pattern], cwd=ROOT, stdout=log, stderr=log, check=True)
    return time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", default=list(DEFAULT_MODULES))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--files", action="store_true", help="print the files to run as JSON")
    args = parser.parse_args(argv)
    modules = tuple(args.modules)
    if args.files:
        print(json.dumps([source for module in modules for source, _ in file_runs(module)]))
        return 0
    equivalent: dict[str, str] = tomllib.loads(EQUIVALENT.read_text())["equivalent"]
    seconds = {} if args.report_only else {module: run(module) for module in modules}
    lines, reached = report(MUTANTS, modules, equivalent, seconds)
    print("\n".join(lines))
    return 0 if reached else 1


if __name__ == "__main__":
    sys.exit(main())
