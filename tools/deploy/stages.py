"""List the stages of the config, in deploy order, for workflows and scripts.

    python3 -m tools.deploy.stages          JSON: [{"stage": "Dev", "environment": "dev"}, ...]
    python3 -m tools.deploy.stages --names  one stage name per line

Needs only the standard library (the config is plain Python), so a workflow can run it before
installing anything.
"""

from __future__ import annotations

import argparse
import json
import sys

from stage_config.selection import select_stages


def matrix() -> list[dict[str, str]]:
    return [{"stage": c.name, "environment": c.github_environment} for c in select_stages()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="List the configured stages.")
    parser.add_argument("--names", action="store_true", help="one stage name per line")
    args = parser.parse_args(argv)
    if args.names:
        print("\n".join(entry["stage"] for entry in matrix()))
    else:
        print(json.dumps(matrix()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
