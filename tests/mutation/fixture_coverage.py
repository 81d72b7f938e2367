"""A pytest plugin for `make mutate` only: credit the code a module-scoped fixture runs to every
test that uses the fixture.

mutmut maps each function to the tests during which it ran, and runs a mutant against those
tests only. A module-scoped fixture (e.g. a small stack built from a test-owned config, judged by
a matrix of IAM decisions) is set up inside the first test that uses it, so mutmut would credit
the construct code it ran to that one test and judge the construct's mutants by it alone. This
plugin records what each such fixture's setup ran and adds it to every test that uses it.

Only the constructs' code is credited (`auth_constructs.`), and the rest of what such a fixture
ran is credited to no test: nearly every fixture builds a stage config from the test-owned ones,
and each config mutant would otherwise rebuild that fixture's stacks for one test that cannot
judge it (the config rules are judged by their own bad-config cases and the tests that build
configs directly). Session fixtures are left alone on purpose: they hold the apps, built once per
process and reused by the mutant workers mutmut forks, so a construct mutant never reaches them;
crediting the app's code to every test that reads it would only run those tests in vain.

It reads mutmut's record of the functions hit during the current test (`state()._stats`, mutmut
3.8; pinned in requirements-dev.txt).
"""

from __future__ import annotations

from collections.abc import Generator

import pytest
from mutmut.state import state

CREDITED_SCOPES = frozenset({"module", "class", "package"})
CREDITED_CODE = "auth_constructs."
HITS = pytest.StashKey[dict[int, set[str]]]()
"""{id of a fixture definition: the mutated functions its setup ran}."""


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[object], request: pytest.FixtureRequest
) -> Generator[None]:
    if fixturedef.scope not in CREDITED_SCOPES:
        yield
        return
    earlier = set(state()._stats)
    state()._stats.clear()
    try:
        yield
    finally:
        ran = {name for name in state()._stats if name.startswith(CREDITED_CODE)}
        request.config.stash.setdefault(HITS, {}).setdefault(id(fixturedef), set()).update(ran)
        state()._stats.clear()
        state()._stats.update(earlier | ran)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Before mutmut credits this test with the functions hit so far, add its fixtures' setup."""
    hits = item.config.stash.get(HITS, {})
    fixtures = getattr(item, "_fixtureinfo", None)
    if not hits or fixtures is None:
        return
    for definitions in fixtures.name2fixturedefs.values():
        for definition in definitions:
            state()._stats.update(hits.get(id(definition), ()))
