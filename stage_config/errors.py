"""The one exception bad configuration raises, before anything reaches CloudFormation."""

from __future__ import annotations


class ConfigError(ValueError):
    """A config value Cognito (or our security baseline) would refuse.

    The message names the key and the fix, so the person running `cdk synth` can act on it without
    reading code.
    """

    def __init__(self, key: str, problem: str, fix: str) -> None:
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(f"{key}: {problem}. Fix: {fix}")

    def under(self, prefix: str) -> ConfigError:
        """The same error with its key placed under `prefix` (e.g. the stage name)."""
        return ConfigError(f"{prefix}.{self.key}", self.problem, self.fix)
