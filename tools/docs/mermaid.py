"""Mermaid text: node ids and labels that survive any construct path or template value."""

from __future__ import annotations

import re

ENTITIES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "|": "#124;", "#": "#35;"}


def node_id(*parts: str) -> str:
    """A Mermaid id from a stack and a logical id (letters, digits and underscores only)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def text(value: str) -> str:
    """A label's text with Mermaid's entity codes for the characters its syntax uses; lines
    break at newlines."""
    escaped = re.sub(r'["<>|#]', lambda m: ENTITIES[m.group()], value)
    return escaped.replace("\n", "<br/>")


def node(identifier: str, label: str) -> str:
    return f'{identifier}["{text(label)}"]'


def edge(source: str, target: str, label: str) -> str:
    return f'{source} -->|"{text(label)}"| {target}'


def fenced(lines: list[str]) -> str:
    return "\n".join(["```mermaid", *lines, "```"])
