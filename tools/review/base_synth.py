"""Synthesize the working tree and a git ref side by side, the way `make synth` does.

The ref is checked out in a temporary git worktree and synthesized with the same virtualenv and
Node tools (`cdk synth --quiet`), so comparing the two needs no AWS account and no credentials.
Both synths run at once: together they take little more than one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.review.templates import ROOT

NODE_BIN = ROOT / "node_modules" / ".bin"
BUILT = ".build"


class BaseError(Exception):
    """The ref to compare with cannot be found or synthesized."""


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BaseError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def resolve_base(ref: str, branch: str) -> tuple[str, str]:
    """(commit, description) to compare with: `ref`, or by default the merge base of HEAD with
    the deploying branch (`origin/<branch>`, else `<branch>`)."""
    if ref:
        return _git("rev-parse", "--verify", f"{ref}^{{commit}}"), ref
    for candidate in (f"origin/{branch}", branch):
        try:
            _git("rev-parse", "--verify", f"{candidate}^{{commit}}")
        except BaseError:
            continue
        return _git("merge-base", "HEAD", candidate), f"merge base with {candidate}"
    raise BaseError(
        f"neither origin/{branch} nor {branch} exists here: fetch it (actions/checkout with "
        "fetch-depth: 0) or pass BASE=<ref>"
    )


def _synth(cwd: Path, outdir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PATH": f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.Popen(
        [
            str(NODE_BIN / "cdk"),
            "synth",
            "--quiet",
            "--app",
            f"{sys.executable} app.py",
            "--output",
            str(outdir),
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@contextmanager
def synthesized(commit: str, cdk_out: Path, *, synth_working_tree: bool) -> Iterator[Path]:
    """Synthesize `commit` (and, if asked, the working tree into `cdk_out`); yield the commit's
    cloud assembly, which lives until the context ends."""
    with tempfile.TemporaryDirectory(prefix="review-base-") as tmp:
        tree = Path(tmp) / "tree"
        _git("worktree", "add", "--detach", "--quiet", str(tree), commit)
        if (ROOT / BUILT).is_dir():  # built dependencies (the sender layer): not in git
            (tree / BUILT).symlink_to(ROOT / BUILT, target_is_directory=True)
        try:
            jobs = {f"BASE ({commit[:12]})": _synth(tree, tree / "cdk.out")}
            if synth_working_tree:
                jobs["the working tree"] = _synth(ROOT, cdk_out)
            for what, job in jobs.items():
                output, _ = job.communicate()
                if job.returncode != 0:
                    raise BaseError(f"cdk synth of {what} failed:\n{output}")
            yield tree / "cdk.out"
        finally:
            _git("worktree", "remove", "--force", str(tree))
