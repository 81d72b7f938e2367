"""The identity layer's L3 constructs (not named `constructs`: that would shadow the library).

Trigger code runs in Lambda with `lambdas/` as its root, so its modules are `pre_sign_up.settings`,
`trigger_common`, ... The constructs build each trigger's settings from that same module, so the
project puts `lambdas/` on the import path here, as Lambda does (mypy: `mypy_path`; pytest:
`pythonpath`).
"""

import sys
from pathlib import Path

LAMBDAS = Path(__file__).resolve().parent.parent / "lambdas"
if str(LAMBDAS) not in sys.path:
    sys.path.append(str(LAMBDAS))
