"""Build one construct in an empty stack: fast per-override template assertions."""

from __future__ import annotations

from collections.abc import Callable

from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from tests.support.app import cdk_json_context


def template_of(build: Callable[[Stack], object]) -> Template:
    app = App(context=cdk_json_context())
    stack = Stack(app, "Test")
    build(stack)
    return Template.from_stack(stack)
