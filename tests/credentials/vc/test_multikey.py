import base58
import pytest
from hypothesis import given
from hypothesis import strategies as st

from certiflow.credentials.vc import multikey
from certiflow.credentials.vc.multikey import (
    InvalidMultikey,
    ResolvedKey,
    UnresolvableKey,
    decode_public_key,
    did_key,
    did_key_document,
    did_key_verification_method,
    encode_public_key,
    private_key_from_seed,
    raw_public_key,
    resolve_offline,
)

RAW = bytes(range(32))


def multibase(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def test_decode_public_key_vector_gives_the_vector_public_key(vector):
    raw = decode_public_key(vector["publicKeyMultibase"])

    assert raw.hex() == vector["public_key_hex"]


def test_encode_public_key_vector_gives_the_vector_multikey(vector):
    encoded = encode_public_key(bytes.fromhex(vector["public_key_hex"]))

    assert encoded == vector["publicKeyMultibase"]


@given(raw=st.binary(min_size=32, max_size=32))
def test_encode_public_key_any_key_round_trips_and_starts_z6mk(raw):
    encoded = encode_public_key(raw)

    assert encoded.startswith("z6Mk")
    assert decode_public_key(encoded) == raw


def test_private_key_from_seed_vector_seed_gives_the_vector_public_key(vector):
    key = private_key_from_seed(bytes.fromhex(vector["private_key_hex"])[:32])

    assert raw_public_key(key).hex() == vector["public_key_hex"]
    assert raw_public_key(key.public_key()).hex() == vector["public_key_hex"]


def test_private_key_from_seed_wrong_length_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        private_key_from_seed(bytes(64))


def test_did_key_and_its_verification_method(vector):
    raw = bytes.fromhex(vector["public_key_hex"])
    key = vector["publicKeyMultibase"]

    assert did_key(raw) == f"did:key:{key}"
    assert did_key_verification_method(raw) == f"did:key:{key}#{key}"


def test_resolve_offline_did_key_round_trip_is_self_certifying():
    method = did_key_verification_method(RAW)

    resolved = resolve_offline(method)

    assert resolved == ResolvedKey(
        public_key=RAW, method=method, controller=did_key(RAW), self_certifying=True
    )


def test_resolve_offline_bare_did_key_names_its_verification_method():
    resolved = resolve_offline(did_key(RAW))

    assert resolved.method == did_key_verification_method(RAW)
    assert resolved.public_key == RAW
    assert resolved.self_certifying is True


def test_resolve_offline_url_with_multikey_fragment_is_not_self_certifying(vector):
    method = vector["signed_credential"]["proof"]["verificationMethod"]

    resolved = resolve_offline(method)

    assert resolved.public_key.hex() == vector["public_key_hex"]
    assert resolved.method == method
    assert resolved.controller == "https://example.edu/issuers/565049"
    assert resolved.self_certifying is False


@pytest.mark.parametrize(
    ("method", "message"),
    [
        ("did:web:issuer.example#key-1", "did:web cannot be resolved offline"),
        ("did:web:issuer.example#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", "did:web"),
        ("did:example:123#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", "did:example"),
        ("https://issuer.example/keys/1", "cannot be found offline"),
        ("https://issuer.example/keys#key-1", "is not an Ed25519 Multikey"),
        ("#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", "absolute URL"),
        ("did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi#key-1", "names no verification method"),
        ("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "is not an Ed25519 did:key"),
        ("did:key:", "is not an Ed25519 did:key"),
        ("", "absolute URL"),
    ],
)
def test_resolve_offline_unresolvable_method_raises(method, message):
    with pytest.raises(UnresolvableKey, match=message):
        resolve_offline(method)


def test_resolve_offline_non_string_raises():
    with pytest.raises(UnresolvableKey, match="URL string"):
        resolve_offline(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", "must start with 'z'"),
        ("f" + (b"\xed\x01" + RAW).hex(), "must start with 'z'"),
        ("z0OIl", "not valid base58btc"),
        ("zé", "not valid base58btc"),
        ("z", "multicodec prefix is empty"),
        (multibase(b"\xe7\x01" + bytes(33)), "multicodec prefix is e701"),
        (multibase(b"\xed\x01" + bytes(31)), "holds 31 key bytes"),
        (multibase(b"\xed\x01" + bytes(33)), "holds 33 key bytes"),
    ],
)
def test_decode_public_key_invalid_multikey_raises(value, message):
    with pytest.raises(InvalidMultikey, match=message):
        decode_public_key(value)


def test_encode_public_key_wrong_length_raises():
    with pytest.raises(InvalidMultikey, match="32 bytes"):
        encode_public_key(bytes(33))


def test_did_key_document_has_one_multikey_method_for_every_purpose():
    did = did_key(RAW)
    method = did_key_verification_method(RAW)

    document = did_key_document(RAW)

    assert document["id"] == did
    assert document["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert document["verificationMethod"] == [
        {"id": method, "type": "Multikey", "controller": did, "publicKeyMultibase": encode_public_key(RAW)}
    ]
    for purpose in ("authentication", "assertionMethod", "capabilityDelegation", "capabilityInvocation"):
        assert document[purpose] == [method]
    assert "keyAgreement" not in document


def test_did_key_document_method_resolves_to_its_key():
    document = did_key_document(RAW)

    resolved = resolve_offline(document["assertionMethod"][0])

    assert resolved.public_key == multikey.decode_public_key(
        document["verificationMethod"][0]["publicKeyMultibase"]
    )
