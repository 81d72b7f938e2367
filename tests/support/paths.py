"""Where the project is: helpers import this instead of the CDK-heavy app module."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
