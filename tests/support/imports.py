"""Which installed distributions a project module needs at run time, read from the source.

Follows the project's own modules (anything under the repository, `lambdas/` included) through
every `import` statement, lazy ones too, and maps each third-party top-level package to the
distribution that ships it.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Mapping
from functools import cache
from importlib import metadata

from tests.support.paths import ROOT

SOURCE_ROOTS = (ROOT, ROOT / "lambdas")


def _source(module: str) -> ast.Module | None:
    """The parsed source of a project module, or None for anything else."""
    parts = module.split(".")
    for base in SOURCE_ROOTS:
        for path in (
            base.joinpath(*parts).with_suffix(".py"),
            base.joinpath(*parts, "__init__.py"),
        ):
            if path.is_file():
                return ast.parse(path.read_text(), str(path))
    return None


def _imported(tree: ast.Module) -> set[str]:
    """Every module an import statement names (the project uses absolute imports only)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert not node.level, f"relative import of {node.module} in the project"
            base = node.module or ""
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


@cache
def third_party(module: str) -> frozenset[str]:
    """Top-level names of the non-stdlib, non-project packages `module` imports, transitively."""
    seen: set[str] = set()
    found: set[str] = set()
    pending = [module]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        tree = _source(current)
        if tree is None:
            top = current.split(".")[0]
            if top not in sys.stdlib_module_names and _source(top) is None:
                found.add(top)
            continue
        pending.extend(_imported(tree))
    return frozenset(found)


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _owners() -> Mapping[str, list[str]]:
    """{top-level package: the distributions that ship it}: a walk of every installed
    distribution's files, done once."""
    return metadata.packages_distributions()


def distributions_of(packages: frozenset[str]) -> frozenset[str]:
    """The distributions that ship these top-level packages."""
    owners = _owners()
    return frozenset(normalized(d) for package in packages for d in owners.get(package, [package]))


def installed_by(requirement_files: list[str]) -> frozenset[str]:
    """Every distribution that `pip install -r` of these files puts in the venv: their pins
    (following `-r` includes) and, transitively, what those require."""
    pending: list[str] = []
    files = list(requirement_files)
    while files:
        for line in (ROOT / files.pop()).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line.startswith("-r "):
                files.append(line.removeprefix("-r ").strip())
            elif line:
                pending.append(re.split(r"[=<>!~\[; ]", line)[0])
    found: set[str] = set()
    while pending:
        name = normalized(pending.pop())
        if name in found:
            continue
        found.add(name)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # required only under an environment marker this Python does not meet
        for requirement in requirements:
            if "extra ==" not in requirement:
                pending.append(re.split(r"[=<>!~\[; (]", requirement)[0])
    return frozenset(found)
