"""W3C Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite: Ed25519 over RDFC-1.0 N-Quads.

The algorithm (VC Data Integrity EdDSA Cryptosuites v1.0, ``eddsa-rdfc-2022``):

1. the proof configuration is the proof without ``proofValue``, with the document's ``@context``;
2. both it and the document without ``proof`` are canonicalised (:func:`.jsonld.canonicalize`);
3. the data signed is SHA-256(canonical proof configuration) ‖ SHA-256(canonical document)
   (:func:`hash_data`);
4. ``proofValue`` is ``"z"`` + base58btc(the 64-byte Ed25519 signature).

Invariants:

- Signing is deterministic: the same document, key, verification method and ``created`` give the same
  ``proofValue`` (Ed25519 signatures are deterministic).
- Nothing is signed that canonicalisation would leave out: such a document is refused (see
  :mod:`.jsonld`).
- :func:`verify_proof` never raises on the document it is given, whatever JSON value it is: every failure
  is ``valid=False`` with a reason in English. A key that cannot be found is reported as such, apart from a
  signature that does not match.
- A valid :class:`ProofCheck` says that the key named by ``verificationMethod`` signed exactly this
  data. Whether that key belongs to the credential's issuer is for the caller to decide, from
  ``ProofCheck.key`` (``self_certifying``, ``controller``).
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certiflow.credentials.vc import jsonld, multikey
from certiflow.credentials.vc.multikey import ResolvedKey

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
SIGNATURE_LENGTH = 64

# XML Schema dateTimeStamp (a dateTime with a mandatory time zone), which Data Integrity requires for
# `created`; ASCII digits only, as `\d` would also accept other scripts' digits.
_DATE_TIME_STAMP = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
)


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of :func:`verify_proof`.

    ``reason`` always says why, in English, valid or not. The other fields hold what could be read from
    the proof before the check stopped (``None`` when it could not be): ``key`` is set once the
    verification method has been resolved, so a result with a key and ``valid=False`` is a signature
    that does not match (or data that cannot be canonicalised), never a missing key.
    """

    valid: bool
    reason: str
    verification_method: str | None = None
    key: ResolvedKey | None = None
    created: datetime | None = None
    proof_purpose: str | None = None


def format_created(created: datetime) -> str:
    """``created`` in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (fractions of a second are dropped); a naive
    datetime is refused, since it names no instant."""
    if created.tzinfo is None or created.utcoffset() is None:
        raise ValueError("The proof's creation time must be timezone-aware.")
    return created.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def parse_created(value: str) -> datetime:
    """An XML Schema dateTimeStamp (``2010-01-01T19:23:24Z``) as an aware UTC datetime; ``ValueError``
    for anything else, including a date-time without a time zone."""
    if not isinstance(value, str) or not _DATE_TIME_STAMP.match(value):
        raise ValueError(f"{value!r} is not a date-time with a time zone (XML Schema dateTimeStamp).")
    return datetime.fromisoformat(value).astimezone(UTC)


def hash_data(document: Mapping[str, Any], proof_options: Mapping[str, Any]) -> bytes:
    """SHA-256(canonical proof configuration) ‖ SHA-256(canonical document): the 64 bytes signed.

    The proof configuration is ``proof_options`` without ``proofValue``, with the document's
    ``@context`` unless it has its own; the document is taken without its ``proof``. Raises what
    :func:`.jsonld.canonicalize` raises. Neither argument is modified.
    """
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    return _digest(_proof_config(proof_options, document)) + _digest(unsecured)


def _digest(data: dict[str, Any]) -> bytes:
    return hashlib.sha256(jsonld.canonicalize(data).encode("utf-8")).digest()


def create_proof(
    document: Mapping[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """The ``eddsa-rdfc-2022`` proof of ``document`` (its ``proof``, if any, is left out of what is signed).

    The proof's keys are in the order of the specification's test vector: ``type``, ``created``,
    ``verificationMethod``, ``cryptosuite``, ``proofPurpose``, ``proofValue``; it has no ``@context``.
    When ``verification_method`` can be resolved offline (did:key, or a URL whose fragment is a Multikey),
    it must name the public key of ``private_key``: a proof that no verifier could check is refused
    (``ValueError``), as is anything :func:`.jsonld.canonicalize` refuses.
    """
    if not isinstance(private_key, Ed25519PrivateKey):
        raise TypeError(f"private_key must be an Ed25519PrivateKey, not {type(private_key).__name__}.")
    try:
        named = multikey.resolve_offline(verification_method)
    except multikey.UnresolvableKey:
        named = None
    if named is not None and named.public_key != multikey.raw_public_key(private_key):
        raise ValueError(
            f"The verification method {verification_method!r} names another key than the private key "
            "given: no verifier could check the proof."
        )
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "created": format_created(created),
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": proof_purpose,
    }
    signature = private_key.sign(hash_data(document, proof))
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    return proof


def sign(
    document: Mapping[str, Any],
    *,
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """A copy of ``document`` with ``"proof": [proof]`` added last.

    ``proof`` is an array of one, because the Open Badges JSON Schema bundled here requires an array. A
    document that already has a ``proof`` is refused (``ValueError``): proof sets and chains are not
    supported, and re-signing would silently drop the first proof.
    """
    if "proof" in document:
        raise ValueError("The document already has a proof; sign the document without it.")
    proof = create_proof(
        document,
        private_key=private_key,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
    )
    return {**copy.deepcopy(dict(document)), "proof": [proof]}


def verify_proof(
    document: object,
    *,
    resolve: Callable[[str], ResolvedKey] = multikey.resolve_offline,
    expected_proof_purpose: str | None = "assertionMethod",
) -> ProofCheck:
    """Check the one ``eddsa-rdfc-2022`` proof of ``document`` (``proof`` as an object or an array of one).

    ``resolve`` finds the public key of the proof's ``verificationMethod``; it may raise ``LookupError``
    or ``ValueError`` when it cannot. ``expected_proof_purpose`` is the purpose the caller relies on the
    proof for (``None`` accepts any). Never raises because of ``document``; see :class:`ProofCheck`.
    """
    try:
        return _verify(document, resolve, expected_proof_purpose)
    except RecursionError:
        return ProofCheck(False, "The credential is nested too deeply to be processed.")


def _verify(
    document: object, resolve: Callable[[str], ResolvedKey], expected_proof_purpose: str | None
) -> ProofCheck:
    if not isinstance(document, dict):
        return ProofCheck(False, f"The credential is not a JSON object (it is {_json_type(document)}).")
    if "proof" not in document:
        return ProofCheck(False, "The credential has no proof.")
    proofs = document["proof"]
    if isinstance(proofs, list):
        if len(proofs) != 1:
            return ProofCheck(False, f"The credential has {len(proofs)} proofs; exactly one is supported.")
        proofs = proofs[0]
    if not isinstance(proofs, dict):
        return ProofCheck(False, f"The proof is not a JSON object (it is {_json_type(proofs)}).")
    proof: dict[str, Any] = proofs

    method = proof.get("verificationMethod")
    known: dict[str, Any] = {"verification_method": method if isinstance(method, str) else None}
    purpose = proof.get("proofPurpose")
    known["proof_purpose"] = purpose if isinstance(purpose, str) else None
    if proof.get("type") != PROOF_TYPE:
        return ProofCheck(
            False, f"The proof's type is {_shown(proof.get('type'))}, not {PROOF_TYPE}.", **known
        )
    if proof.get("cryptosuite") != CRYPTOSUITE:
        return ProofCheck(
            False,
            f"The proof's cryptosuite is {_shown(proof.get('cryptosuite'))}; only {CRYPTOSUITE} is supported.",
            **known,
        )
    if not isinstance(purpose, str):
        return ProofCheck(False, "The proof has no proofPurpose.", **known)
    if expected_proof_purpose is not None and purpose != expected_proof_purpose:
        return ProofCheck(
            False,
            f"The proof's purpose is {purpose!r}, not the expected {expected_proof_purpose!r}.",
            **known,
        )
    if not isinstance(method, str):
        return ProofCheck(False, "The proof has no verificationMethod.", **known)
    if "created" in proof:
        try:
            known["created"] = parse_created(proof["created"])
        except ValueError:
            return ProofCheck(
                False,
                f"The proof's created date {_shown(proof['created'])} is not a date-time with a time zone.",
                **known,
            )
    signature = _signature(proof.get("proofValue"))
    if isinstance(signature, str):
        return ProofCheck(False, signature, **known)
    if "@context" in proof and not _starts_with(document.get("@context"), proof["@context"]):
        return ProofCheck(
            False, "The proof's @context is not the start of the credential's @context.", **known
        )

    try:
        key = resolve(method)
    except (LookupError, ValueError) as error:
        return ProofCheck(
            False,
            f"The key of the verification method cannot be found, so the signature was not checked: {error}",
            **known,
        )
    known["key"] = key
    try:
        public_key = Ed25519PublicKey.from_public_bytes(key.public_key)
    except (ValueError, TypeError):
        return ProofCheck(False, "The verification method's key is not an Ed25519 public key.", **known)

    unsecured = {name: value for name, value in document.items() if name != "proof"}
    digests = []
    for what, data in (("proof", _proof_config(proof, document)), ("credential", unsecured)):
        digest = _checked_digest(data)
        if isinstance(digest, str):
            return ProofCheck(False, f"The {what} cannot be verified. {digest}", **known)
        digests.append(digest)
    try:
        public_key.verify(signature, b"".join(digests))
    except InvalidSignature:
        return ProofCheck(
            False,
            "The signature does not match: the credential or its proof was changed after signing, or it "
            "was not signed with the key of the verification method.",
            **known,
        )
    if key.self_certifying:
        reason = (
            f"The signature is valid, made with the key of {key.controller} (a did:key: self-certifying)."
        )
    else:
        reason = (
            f"The signature is valid, made with the key written in the verification method {key.method}; "
            f"that this key belongs to {key.controller} has not been established."
        )
    return ProofCheck(True, reason, **known)


def _signature(proof_value: object) -> bytes | str:
    """The signature bytes of ``proofValue``, or why there are none."""
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return "The proof has no proofValue in base58btc multibase (a string starting with 'z')."
    try:
        signature = base58.b58decode(proof_value[1:].encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return "The proof's proofValue is not valid base58btc."
    if len(signature) != SIGNATURE_LENGTH:
        return f"The proof's proofValue holds {len(signature)} bytes; an Ed25519 signature has {SIGNATURE_LENGTH}."
    return signature


def _proof_config(proof: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" not in config:
        config["@context"] = copy.deepcopy(document.get("@context"))
    return config


def _checked_digest(data: dict[str, Any]) -> bytes | str:
    """The digest of ``data``'s canonical form, or why it has none."""
    try:
        return _digest(data)
    except ValueError as error:
        # ContextNotBundled, DroppedData (UndefinedTerm, RelativeReference), InvalidJsonLd: each message
        # already names the context, the JSON path or pyld's objection.
        return str(error)
    except RecursionError:
        return "It is nested too deeply to be processed."
    except Exception as error:
        # pyld is not written for hostile input and may fail in other ways on odd JSON values; the promise
        # is to report, not to raise.
        return f"It is not processable JSON-LD ({type(error).__name__})."


def _starts_with(document_context: object, proof_context: object) -> bool:
    whole = document_context if isinstance(document_context, list) else [document_context]
    start = proof_context if isinstance(proof_context, list) else [proof_context]
    return whole[: len(start)] == start


def _json_type(value: object) -> str:
    names = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
