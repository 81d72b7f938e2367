"""A pytest plugin for `make mutate` only: trigger modules import as Lambda imports them
(`pre_sign_up.index`, `trigger_common`), but mutmut names each mutant after its file
(`lambdas.pre_sign_up.index`) and runs a mutant only inside the module of that name. This finder
loads every module under `lambdas/` as `lambdas.<name>` and serves the same module object for
`<name>`, so both names reach one module and mutmut's trampolines see the name it expects."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

from tests.support.paths import ROOT

TOP_LEVEL = frozenset(
    path.stem
    for path in (ROOT / "lambdas").iterdir()
    if path.stem.isidentifier() and not path.stem.startswith("_")
)


class SameModule(importlib.abc.Loader):
    """Hands back the module already imported under its `lambdas.` name."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(f"lambdas.{spec.name}")

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module ran once, under its `lambdas.` name."""


class LambdaNames(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in TOP_LEVEL:
            return None
        return importlib.util.spec_from_loader(fullname, SameModule())


if not any(isinstance(finder, LambdaNames) for finder in sys.meta_path):
    sys.meta_path.insert(0, LambdaNames())
