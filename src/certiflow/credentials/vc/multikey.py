"""Ed25519 public keys as Multikeys, did:key identifiers, and finding a verification method's key offline.

A Multikey is ``"z"`` (multibase base58btc) + base58btc(``0xed 0x01`` (the Ed25519 multicodec, as an
unsigned varint) + the 32-byte raw public key), which always starts ``z6Mk``. A did:key is
``did:key:`` + that Multikey; its one verification method is ``did:key:<multikey>#<multikey>``.

Invariant: :func:`resolve_offline` never goes to the network, and says whether the key it returns is
bound to its controller by construction (did:key) or only claimed by a URL (see :class:`ResolvedKey`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

#: The multicodec prefix of an Ed25519 public key (0xed as an unsigned varint).
ED25519_PUB_PREFIX = b"\xed\x01"
KEY_LENGTH = 32
DID_KEY_PREFIX = "did:key:"


class InvalidMultikey(ValueError):
    """A string that is not the Multikey of an Ed25519 public key; the message says what is wrong."""


class UnresolvableKey(LookupError):
    """A verification method whose public key cannot be found without the network (did:web, an https
    URL without a Multikey fragment, …) or that does not name a key at all."""


@dataclass(frozen=True)
class ResolvedKey:
    """The public key of a verification method, and how far it can be trusted.

    ``self_certifying`` is True only for did:key, where the key *is* the identifier: whoever controls
    ``controller`` holds that key, by construction. Otherwise (a URL whose fragment is a Multikey, as in
    the specification's test vector), the key comes from the URL itself and nothing proves that
    ``controller`` publishes or controls it: the caller must establish that binding separately.
    """

    public_key: bytes
    method: str
    controller: str
    self_certifying: bool


def encode_public_key(raw: bytes) -> str:
    """The Multikey (``z6Mk…``) of a 32-byte raw Ed25519 public key."""
    if len(raw) != KEY_LENGTH:
        raise InvalidMultikey(f"An Ed25519 public key has {KEY_LENGTH} bytes, not {len(raw)}.")
    return "z" + base58.b58encode(ED25519_PUB_PREFIX + bytes(raw)).decode("ascii")


def decode_public_key(multibase: str) -> bytes:
    """The 32-byte raw Ed25519 public key of a Multikey; :class:`InvalidMultikey` says what is wrong."""
    if not isinstance(multibase, str) or not multibase.startswith("z"):
        raise InvalidMultikey(f"{multibase!r} is not a base58btc multibase string (it must start with 'z').")
    try:
        data = base58.b58decode(multibase[1:].encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise InvalidMultikey(f"{multibase!r} is not valid base58btc.") from None
    if not data.startswith(ED25519_PUB_PREFIX):
        raise InvalidMultikey(
            f"{multibase!r} is not an Ed25519 public key (its multicodec prefix is {data[:2].hex() or 'empty'}, "
            f"not {ED25519_PUB_PREFIX.hex()})."
        )
    raw = data[len(ED25519_PUB_PREFIX) :]
    if len(raw) != KEY_LENGTH:
        raise InvalidMultikey(
            f"{multibase!r} holds {len(raw)} key bytes; an Ed25519 public key has {KEY_LENGTH}."
        )
    return raw


def did_key(raw: bytes) -> str:
    """``did:key:z6Mk…`` for a raw Ed25519 public key."""
    return DID_KEY_PREFIX + encode_public_key(raw)


def did_key_verification_method(raw: bytes) -> str:
    """``did:key:z6Mk…#z6Mk…``: the id of the did:key's only verification method."""
    multikey = encode_public_key(raw)
    return f"{DID_KEY_PREFIX}{multikey}#{multikey}"


def did_key_document(raw: bytes) -> dict[str, Any]:
    """The DID document a did:key resolves to (did:key method, Multikey format): one verification method,
    authorised for every purpose but key agreement (an Ed25519 key cannot agree keys)."""
    did = did_key(raw)
    method = did_key_verification_method(raw)
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": encode_public_key(raw),
            }
        ],
        "authentication": [method],
        "assertionMethod": [method],
        "capabilityDelegation": [method],
        "capabilityInvocation": [method],
    }


def resolve_offline(verification_method: str) -> ResolvedKey:
    """The public key of ``verification_method``, found without the network.

    - ``did:key:z6Mk…#z6Mk…`` (or the bare did:key): self-certifying; the fragment, if any, must be the
      did:key's own Multikey, the only verification method its document has.
    - any other absolute URL whose fragment is an Ed25519 Multikey (``https://example.edu/issuers/565049#z6Mk…``):
      the key is read from the fragment, ``self_certifying`` is False and ``controller`` is the URL
      without its fragment.
    - anything else, including every other DID method (did:web needs the network): :class:`UnresolvableKey`.
    """
    if not isinstance(verification_method, str):
        raise UnresolvableKey(
            f"A verification method is a URL string, not {type(verification_method).__name__}."
        )
    base, _, fragment = verification_method.partition("#")
    if base.startswith(DID_KEY_PREFIX):
        multikey = base[len(DID_KEY_PREFIX) :]
        try:
            raw = decode_public_key(multikey)
        except InvalidMultikey as error:
            raise UnresolvableKey(f"{base!r} is not an Ed25519 did:key: {error}") from None
        if fragment and fragment != multikey:
            raise UnresolvableKey(
                f"{verification_method!r} names no verification method of {base!r}: a did:key has only "
                f"'{base}#{multikey}'."
            )
        return ResolvedKey(public_key=raw, method=f"{base}#{multikey}", controller=base, self_certifying=True)
    if base.startswith("did:"):
        did_method = base.split(":", 2)[1] if base.count(":") >= 2 else ""
        raise UnresolvableKey(
            f"{verification_method!r}: did:{did_method} cannot be resolved offline; only did:key can."
        )
    scheme, colon, _ = base.partition(":")
    if not (colon and scheme and scheme[0].isalpha()) or not fragment:
        raise UnresolvableKey(
            f"{verification_method!r} is neither a did:key nor an absolute URL whose fragment is a Multikey, "
            "so its key cannot be found offline."
        )
    try:
        raw = decode_public_key(fragment)
    except InvalidMultikey as error:
        raise UnresolvableKey(
            f"The fragment of {verification_method!r} is not an Ed25519 Multikey ({error}), and the key "
            "cannot be fetched: nothing is resolved over the network."
        ) from None
    return ResolvedKey(public_key=raw, method=verification_method, controller=base, self_certifying=False)


def private_key_from_seed(seed32: bytes) -> Ed25519PrivateKey:
    """The Ed25519 private key whose 32-byte seed is ``seed32`` (the first half of a 64-byte "secret
    key" as some libraries print it; the second half is the public key)."""
    if len(seed32) != KEY_LENGTH:
        raise ValueError(f"An Ed25519 seed has {KEY_LENGTH} bytes, not {len(seed32)}.")
    return Ed25519PrivateKey.from_private_bytes(bytes(seed32))


def raw_public_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32-byte raw public key of an Ed25519 private or public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
