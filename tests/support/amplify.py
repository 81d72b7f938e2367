"""Type-check client config files against Amplify's own definition of their schema version.

`@aws-amplify/client-config` (npm, dev-only) ships the outputs schema of each version as
TypeScript types (`lib/client-config-schema/client_config_v<version>.d.ts`, the type behind its
`clientConfigTypesV1_4` export); a `.ts` file assigning the JSON to its `AWSAmplifyBackendOutputs`
passes `tsc --noEmit` only if the JSON fits that version's schema. The file is imported directly
(classic node resolution), so tsc does not load the rest of the package's types.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.paths import ROOT

TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "noEmit": True,
        "module": "commonjs",
        "moduleResolution": "node10",
        "target": "es2022",
        "skipLibCheck": True,
        "types": [],
    }
}


SCHEMA = "@aws-amplify/client-config/lib/client-config-schema/client_config_v{version}"


def type_check(
    configs: dict[str, dict[str, Any]], workdir: Path
) -> subprocess.CompletedProcess[str]:
    """Run tsc over one `.ts` file per config (name -> JSON); returns tsc's outcome."""
    tsc = ROOT / "node_modules" / ".bin" / "tsc"
    assert tsc.exists(), "TypeScript is missing: run `make test`, which runs `npm ci`"
    (workdir / "node_modules").symlink_to(ROOT / "node_modules")
    (workdir / "tsconfig.json").write_text(json.dumps({**TSCONFIG, "include": ["*.ts"]}))
    for name, config in configs.items():
        schema = SCHEMA.format(version=config.get("version"))
        (workdir / f"{name}.ts").write_text(
            f"import type {{ AWSAmplifyBackendOutputs }} from '{schema}';\n"
            f"export const outputs: AWSAmplifyBackendOutputs = {json.dumps(config, indent=2)};\n"
        )
    return subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "node"), str(tsc), "-p", str(workdir)],
        capture_output=True,
        text=True,
        check=False,
        cwd=workdir,
    )
