"""Docs that cannot rot: every relative link and #anchor in README.md and docs/ resolves (by
GitHub's heading slugs), every `make <target>` they name exists, every Python config snippet
builds a valid StageConfig, each section of the README before it was split has a page, and the
generated diagrams match the app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin

import stage_config.stages
from stage_config import StageConfig
from tests.support.paths import ROOT
from tools.docs.diagrams import DIAGRAMS, pages

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FRAGMENT = "<!-- fragment:"
"""Put `<!-- fragment: why -->` right before a ```python block that is not a whole config."""
MAKE = re.compile(r"(?<![\w-])make((?:\s+(?:-\w+|[A-Z_]+=\S*))*)\s+([a-z][a-z0-9-]*)")
"""`make [-s] [VAR=value ...] <target>` in code; the target is the second group."""

OLD_SECTIONS = {
    "Cognito as code (Python AWS CDK)": "README.md#cognito-as-code-python-aws-cdk",
    "Stages and config": "docs/configuration.md#stages-and-config",
    "Custom attributes": "docs/configuration.md#custom-attributes",
    "Deploy and destroy": "docs/deploying.md#deploy-and-destroy",
    "Before the first Prod deploy: replace the example values": (
        "docs/deploying.md#before-the-first-prod-deploy-replace-the-example-values"
    ),
    "Leaving the SES and SNS sandboxes": "docs/deploying.md#leaving-the-ses-and-sns-sandboxes",
    "Personal sandboxes": "docs/sandboxes.md#personal-sandboxes",
    "Adopt an existing user pool": "docs/deploying.md#adopt-an-existing-user-pool",
    "What gets deployed": "docs/layout.md#what-gets-deployed",
    "Why the constructs folder is `auth_constructs/`, not `constructs/`": (
        "README.md#why-the-constructs-folder-is-auth_constructs-not-constructs"
    ),
    "Social and enterprise sign-in": "docs/sign-in-and-federation.md#social-and-enterprise-sign-in",
    "Identity pool and per-user data": (
        "docs/identity-pool-and-data.md#identity-pool-and-per-user-data"
    ),
    "Customer-managed key": "docs/identity-pool-and-data.md#customer-managed-key",
    "Backups": "docs/identity-pool-and-data.md#backups",
    "Replica-ready from the first deploy": (
        "docs/multi-region.md#multi-region-replica-ready-from-the-first-deploy"
    ),
    "Client configuration for Amplify JS": (
        "docs/client-configuration.md#client-configuration-for-amplify-js"
    ),
    "Protection: WAF, threat protection, token rotation, audit logs": (
        "docs/protection.md#protection-waf-threat-protection-token-rotation-audit-logs-alarms"
    ),
    "Lambda triggers": "docs/triggers-and-quotas.md#lambda-triggers",
    "Scale: the quotas that bound this design": (
        "docs/triggers-and-quotas.md#scale-the-quotas-that-bound-this-design"
    ),
    "Compliance rule packs": "docs/compliance-packs.md#compliance-rule-packs",
    "Review, guard and smoke": "docs/review-guard-smoke.md#review-guard-and-smoke",
    "Deploying from CI (GitHub Actions)": "docs/ci-and-pipelines.md#github-actions",
    "Option: CDK Pipelines": "docs/ci-and-pipelines.md#option-cdk-pipelines",
    "Make it yours": "docs/configuration.md#make-it-yours",
    "How a value flows (access-token validity)": (
        "docs/configuration.md#how-a-value-flows-access-token-validity"
    ),
    "Layout": "docs/layout.md#folders",
    "Tests": "docs/tests-and-benchmarks.md#tests",
    "Mutation testing": "docs/tests-and-benchmarks.md#mutation-testing",
    "Benchmarks": "docs/tests-and-benchmarks.md#benchmarks",
}
"""Every `##`/`###` heading of the README before it was split into docs/ (1149 lines, main at
e91369a), and where its content lives now: a section dropped in an edit fails here."""


@cache
def tokens(path: Path) -> list[Token]:
    """The page parsed as GitHub does it; headings carry GitHub's slug as their `id`."""
    md = MarkdownIt("commonmark").enable("table").use(anchors_plugin, min_level=1, max_level=6)
    return md.parse(path.read_text())


def anchors(path: Path) -> set[str]:
    return {str(t.attrs["id"]) for t in tokens(path) if t.type == "heading_open"}


def inline_children(path: Path) -> Iterator[Token]:
    for token in tokens(path):
        yield from token.children or []


def links(path: Path) -> Iterator[str]:
    """Every relative link target of the page (a path, a #anchor, or both)."""
    for child in inline_children(path):
        href = str(child.attrs.get("href", "")) if child.type == "link_open" else ""
        if href and not re.match(r"[a-z]+:", href):
            yield href


def broken(page: Path, href: str) -> str | None:
    """Why `href` on `page` does not resolve, or None."""
    target, _, anchor = href.partition("#")
    path = (page.parent / target).resolve() if target else page
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    if not path.exists():
        return f"{href}: no file {shown}"
    if anchor and (path.suffix != ".md" or anchor not in anchors(path)):
        return f"{href}: no heading #{anchor} in {shown}"
    return None


def code(path: Path) -> Iterator[str]:
    """The text of every code block and inline code span of the page."""
    for token in tokens(path):
        if token.type in {"fence", "code_block"}:
            yield token.content
    for child in inline_children(path):
        if child.type == "code_inline":
            yield child.content


def make_targets() -> set[str]:
    rules = re.findall(r"^([a-z][a-z0-9-]*)\s*:(?!=)", (ROOT / "Makefile").read_text(), re.M)
    return set(rules)


def snippets(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line, source, is a marked fragment) of each ```python block of the page."""
    page = tokens(path)
    for index, token in enumerate(page):
        if token.type == "fence" and token.info.strip() == "python":
            before = page[index - 1] if index else None
            marked = bool(before and before.type == "html_block" and FRAGMENT in before.content)
            line = token.map[0] + 1 if token.map else 0
            yield line, token.content, marked


def built_stages(source: str) -> list[StageConfig]:
    """Run a snippet as if it were appended to stage_config/stages.py; the stages it builds:
    the stage objects it defines, what its new zero-argument functions return, and each stage of
    a STAGES it redefines."""
    namespace: dict[str, Any] = dict(vars(stage_config.stages))
    before = dict(namespace)
    exec(compile(source, "<docs snippet>", "exec"), namespace)  # noqa: S102 (the docs' own code)
    new = {k: v for k, v in namespace.items() if before.get(k) is not v and not k.startswith("_")}
    built = [v for v in new.values() if isinstance(v, StageConfig)]
    for name, value in new.items():
        if callable(value) and getattr(value, "__code__", None) and not value.__code__.co_argcount:
            result = value()
            if isinstance(result, StageConfig):
                built.append(result)
        if name == "STAGES":
            built.extend(factory() for factory in value.values())
    return built


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    problems = [p for href in links(page) if (p := broken(page, href))]
    assert not problems, "\n".join(problems)


def test_github_slugs_are_the_anchors() -> None:
    """The slug rules the link check relies on, as GitHub applies them to this README."""
    assert {
        "why-the-constructs-folder-is-auth_constructs-not-constructs",
        "what-gets-deployed-per-stage",
    } <= anchors(ROOT / "README.md")


def test_a_link_to_a_missing_anchor_or_page_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# A title: with `code`\n\n## Same\n\n## Same\n")
    assert anchors(page) == {"a-title-with-code", "same", "same-1"}
    assert broken(page, "#same-1") is None
    assert broken(page, "page.md#a-title-with-code") is None
    assert broken(page, "#nowhere") == f"#nowhere: no heading #nowhere in {page}"
    assert broken(page, "other.md") == f"other.md: no file {tmp_path / 'other.md'}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_make_target_the_docs_name_exists(page: Path) -> None:
    named = {m.group(2) for text in code(page) for m in MAKE.finditer(text)}
    assert named - make_targets() == set()


def test_the_make_pattern_finds_targets_past_flags_and_variables() -> None:
    text = "make -s review BASE=x; make STAGE=Dev smoke; make -n; makes nothing"
    assert [m.group(2) for m in MAKE.finditer(text)] == ["review", "smoke"]


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_config_snippet_builds_a_stage(page: Path) -> None:
    for line, source, fragment in snippets(page):
        if fragment:
            continue
        assert built_stages(source), f"{page_id(page)}:{line} builds no StageConfig"


def test_the_docs_hold_config_snippets_and_few_fragments() -> None:
    found = [(p, f) for p in PAGES for _, _, f in snippets(p)]
    assert sum(not fragment for _, fragment in found) >= 1
    assert sum(fragment for _, fragment in found) <= 3


def test_a_snippet_with_a_config_error_fails() -> None:
    broken_stage = 'def bad() -> StageConfig:\n    return dataclasses.replace(dev(), name="x")\n'
    with pytest.raises(Exception, match="stage name"):
        built_stages(f"import dataclasses\n\n{broken_stage}")


def test_every_old_readme_section_has_its_page() -> None:
    problems = [
        f"{heading!r} -> {p}"
        for heading, href in OLD_SECTIONS.items()
        if (p := broken(ROOT / "README.md", href))
    ]
    assert not problems, "\n".join(problems)


def test_the_diagrams_match_the_app(outdir: Path) -> None:
    """docs/diagrams/ as `make docs` writes it from this session's synthesized app."""
    wanted = pages(outdir)
    committed = {p.name: p.read_text() for p in DIAGRAMS.glob("*.md")}
    stale = sorted(n for n in wanted.keys() | committed.keys() if wanted.get(n) != committed.get(n))
    assert not stale, f"docs/diagrams/ {stale} no longer match the app: run `make docs`"
