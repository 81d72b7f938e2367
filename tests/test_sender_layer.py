"""The custom senders' dependency layer (`make sender-layer`): exactly the pinned wheels for
Lambda's python3.13 on arm64, no bytecode (so the asset hash is the same on every machine), and
its Python code imports and decrypts here, with the host's own `cryptography` standing in for
the arm64 build this x86 or arm machine may not load."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from auth_constructs.identity.triggers import SENDER_LAYER
from tests.support.paths import ROOT

PINS = ROOT / "requirements-sender-layer.txt"
PACKAGES = SENDER_LAYER / "python"
AARCH64 = 183
"""ELF e_machine of arm64."""


def pins(path: Path) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", path.read_text(), flags=re.MULTILINE)
    return {name.lower().replace("_", "-"): version for name, version in found}


@pytest.fixture(scope="module")
def layer() -> Path:
    assert PACKAGES.is_dir(), f"{PACKAGES} is missing: run `make sender-layer`"
    return PACKAGES


def test_the_layer_holds_exactly_the_pinned_distributions(layer: Path) -> None:
    installed = {}
    for info in layer.glob("*.dist-info"):
        name, version = info.name.removesuffix(".dist-info").rsplit("-", 1)
        installed[name.lower().replace("_", "-")] = version
    assert installed == pins(PINS)
    for line in PINS.read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            assert "--hash=sha256:" in line, f"unhashed pin: {line}"


def test_the_tests_use_the_layers_encryption_sdk() -> None:
    layer_pin = pins(PINS)["aws-encryption-sdk"]
    assert pins(ROOT / "requirements-dev.txt")["aws-encryption-sdk"] == layer_pin


def test_no_bytecode_and_every_native_library_is_arm64_for_python_3_13(layer: Path) -> None:
    assert not list(layer.rglob("*.pyc")), "bytecode differs per build: --no-compile"
    libraries = list(layer.rglob("*.so")) + list(layer.rglob("*.so.*"))
    assert libraries, "cryptography, cffi and wrapt ship native code"
    for library in libraries:
        header = library.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", library
        assert int.from_bytes(header[18:20], "little") == AARCH64, library
        assert re.search(r"(cpython-313|abi3)", library.name) or library.suffix != ".so", library


def test_the_layers_sdk_imports_and_decrypts(layer: Path) -> None:
    """In a fresh interpreter: the host's cryptography first, then the layer's pure-Python
    packages (the Encryption SDK, attrs, wrapt's Python fallback) ahead of the venv's."""
    script = f"""
import sys
import cryptography.hazmat.primitives.ciphers.aead  # the host's native build
sys.path.insert(0, {str(layer)!r})
import aws_encryption_sdk, attr, wrapt
for module in (aws_encryption_sdk, attr, wrapt):
    assert module.__file__.startswith({str(layer)!r}), module.__file__
from aws_encryption_sdk.identifiers import CommitmentPolicy, EncryptionKeyType, WrappingAlgorithm
from aws_encryption_sdk.internal.crypto.wrapping_keys import WrappingKey
from aws_encryption_sdk.key_providers.raw import RawMasterKey
sys.path.append({str(ROOT / "lambdas")!r})
from custom_sender.codes import EncryptionSdkCodes
key = RawMasterKey(provider_id="t", key_id=b"k", wrapping_key=WrappingKey(
    wrapping_algorithm=WrappingAlgorithm.AES_256_GCM_IV12_TAG16_NO_PADDING,
    wrapping_key=b"k" * 32, wrapping_key_type=EncryptionKeyType.SYMMETRIC))
client = aws_encryption_sdk.EncryptionSDKClient(
    commitment_policy=CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT)
ciphertext, _ = client.encrypt(source=b"927361", key_provider=key)
assert EncryptionSdkCodes(key).decrypt(ciphertext) == "927361"
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
