"""The sample web page (web/sample/): bundle it with esbuild and serve it beside a stage's
Amplify client file.

    python -m tools.deploy.sample_web [--port 5173] [--config-dir .local]     make local-web

The bundle holds Amplify JS v6 and the AWS SDK's S3 client from node_modules; the page reads
`amplify_outputs.json` from the same origin, so the one page serves any stage whose client file
it is given (the Local stage's by default). Port 5173 is the origin Dev's bucket and callback
URLs allow.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import subprocess
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tools.deploy.client_config import FILE_NAME, Client

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "web" / "sample"
BUNDLE = SAMPLE / "dist" / "app.js"
CONFIG_PATH = f"/{FILE_NAME[Client.WEB]}"


def build() -> Path:
    """Bundle web/sample/app.js and its npm imports into one browser module."""
    subprocess.run(  # noqa: S603
        [
            str(ROOT / "node_modules" / ".bin" / "esbuild"),
            str(SAMPLE / "app.js"),
            "--bundle",
            "--format=esm",
            "--platform=browser",
            "--target=es2022",
            "--minify",
            "--log-level=warning",
            f"--outfile={BUNDLE}",
        ],
        check=True,
    )
    return BUNDLE


class SampleHandler(SimpleHTTPRequestHandler):
    """The sample's files, and the stage's web client file at /amplify_outputs.json."""

    config_dir: Path

    def translate_path(self, path: str) -> str:
        if path.split("?", 1)[0] == CONFIG_PATH:
            return str(self.config_dir / FILE_NAME[Client.WEB])
        return super().translate_path(path)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the browser test's output is the page's, not one line per request."""


def server(config_dir: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 (port 0: any free one) for the sample with `config_dir`'s file."""
    handler = type("Handler", (SampleHandler,), {"config_dir": config_dir})
    return ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(handler, directory=str(SAMPLE))
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build and serve the sample web page.")
    parser.add_argument("--port", type=int, default=5173)
    parser.add_argument("--config-dir", type=Path, default=ROOT / ".local")
    args = parser.parse_args(argv)
    if not (args.config_dir / FILE_NAME[Client.WEB]).exists():
        print(f"error: no {FILE_NAME[Client.WEB]} in {args.config_dir}; run `make local` first")
        return 2
    build()
    with server(args.config_dir, args.port) as httpd:
        print(f"serving the sample at http://localhost:{httpd.server_address[1]}/ (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
