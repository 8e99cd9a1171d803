"""The specification's eddsa-rdfc-2022 test vector (copied in ``test_vector/``) and a network guard."""

import copy
import json
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certiflow.credentials.vc import multikey

VECTOR_DIR = Path(__file__).resolve().parent / "test_vector"


@pytest.fixture(scope="session")
def vector_file() -> dict[str, Any]:
    return json.loads((VECTOR_DIR / "ob3_eddsa_rdfc_2022_test_vector.json").read_text(encoding="utf-8"))


@pytest.fixture
def vector(vector_file) -> dict[str, Any]:
    """The vector's values (keys, hashes, signature, signed credential); a fresh copy per test."""
    return copy.deepcopy(vector_file)


@pytest.fixture
def signed_credential(vector) -> dict[str, Any]:
    """The vector's signed credential, ``proof`` an object, as the specification prints it."""
    return vector["signed_credential"]


@pytest.fixture
def unsigned_credential(signed_credential) -> dict[str, Any]:
    return {key: value for key, value in signed_credential.items() if key != "proof"}


@pytest.fixture
def vector_key(vector) -> Ed25519PrivateKey:
    # The vector prints the 64-byte "secret key" of NaCl: the seed, then the public key.
    return multikey.private_key_from_seed(bytes.fromhex(vector["private_key_hex"])[:32])


@pytest.fixture
def vector_created(signed_credential) -> datetime:
    return datetime.fromisoformat(signed_credential["proof"]["created"])


@pytest.fixture
def no_network(monkeypatch) -> list[object]:
    """Make every outgoing connection (and name lookup) fail; returns the list of attempts made."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access attempted during a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts
