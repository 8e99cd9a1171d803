import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import base58
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certiflow.credentials.vc import integrity, multikey
from certiflow.credentials.vc.integrity import ProofCheck, create_proof, hash_data, sign, verify_proof
from certiflow.credentials.vc.jsonld import canonicalize

VECTOR = json.loads(
    (Path(__file__).resolve().parent / "test_vector" / "ob3_eddsa_rdfc_2022_test_vector.json").read_text(
        encoding="utf-8"
    )
)
SIGNED = VECTOR["signed_credential"]
SEED = bytes.fromhex(VECTOR["private_key_hex"])[:32]
OTHER_KEY = multikey.private_key_from_seed(bytes(range(32)))
CREATED = datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC)
MISMATCH = "signature does not match"


def leaf_paths(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, (*path, index))
    else:
        yield path


def key_paths(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key)
            yield from key_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from key_paths(item, (*path, index))


def parent(document, path):
    for part in path[:-1]:
        document = document[part]
    return document


def did_key_signed(document, *, created=CREATED):
    key = multikey.private_key_from_seed(SEED)
    method = multikey.did_key_verification_method(multikey.raw_public_key(key))
    return sign(document, private_key=key, verification_method=method, created=created)


def unsigned_vector():
    return {key: value for key, value in copy.deepcopy(SIGNED).items() if key != "proof"}


def test_create_proof_vector_gives_the_vector_proof(unsigned_credential, vector_key, signed_credential):
    expected = signed_credential["proof"]

    proof = create_proof(
        unsigned_credential,
        private_key=vector_key,
        verification_method=expected["verificationMethod"],
        created=CREATED,
    )

    assert proof == expected
    assert list(proof) == [
        "type",
        "created",
        "verificationMethod",
        "cryptosuite",
        "proofPurpose",
        "proofValue",
    ]


def test_hash_data_vector_gives_the_vector_hashes(unsigned_credential, signed_credential, vector):
    hashed = hash_data(unsigned_credential, signed_credential["proof"])

    assert hashed[:32].hex() == vector["proof_hash_hex"]
    assert hashed[32:].hex() == vector["document_hash_hex"]
    assert hashed.hex() == vector["data_to_sign_hex"]


def test_hash_data_leaves_out_the_proof_of_the_document(signed_credential, unsigned_credential):
    assert hash_data(signed_credential, signed_credential["proof"]) == hash_data(
        unsigned_credential, signed_credential["proof"]
    )


def test_create_proof_signature_is_the_vector_signature(unsigned_credential, vector_key, vector):
    proof = create_proof(
        unsigned_credential,
        private_key=vector_key,
        verification_method=vector["signed_credential"]["proof"]["verificationMethod"],
        created=CREATED,
    )

    assert base58.b58decode(proof["proofValue"][1:]).hex() == vector["signature_hex"]


def test_create_proof_created_is_written_in_utc_without_fractions(unsigned_credential, vector_key):
    paris_winter = timezone(timedelta(hours=1))
    created = datetime(2010, 1, 1, 20, 23, 24, 987654, tzinfo=paris_winter)

    proof = create_proof(
        unsigned_credential,
        private_key=vector_key,
        verification_method=SIGNED["proof"]["verificationMethod"],
        created=created,
    )

    assert proof["created"] == "2010-01-01T19:23:24Z"


def test_create_proof_naive_created_is_refused(unsigned_credential, vector_key):
    with pytest.raises(ValueError, match="timezone-aware"):
        create_proof(
            unsigned_credential,
            private_key=vector_key,
            verification_method=SIGNED["proof"]["verificationMethod"],
            created=datetime(2010, 1, 1, 19, 23, 24),
        )


def test_create_proof_verification_method_of_another_key_is_refused(unsigned_credential, vector_key):
    other = multikey.did_key_verification_method(multikey.raw_public_key(OTHER_KEY))

    with pytest.raises(ValueError, match="another key"):
        create_proof(unsigned_credential, private_key=vector_key, verification_method=other, created=CREATED)


def test_create_proof_unresolvable_verification_method_is_allowed(unsigned_credential, vector_key):
    proof = create_proof(
        unsigned_credential,
        private_key=vector_key,
        verification_method="did:web:issuer.example#key-1",
        created=CREATED,
    )

    assert proof["verificationMethod"] == "did:web:issuer.example#key-1"


def test_create_proof_undefined_term_is_refused(unsigned_credential, vector_key):
    unsigned_credential["credentialSubject"]["grade"] = "A"

    with pytest.raises(ValueError, match=r"credentialSubject\.grade"):
        create_proof(
            unsigned_credential,
            private_key=vector_key,
            verification_method=SIGNED["proof"]["verificationMethod"],
            created=CREATED,
        )


def test_sign_adds_the_proof_as_an_array_and_leaves_the_document_unchanged(unsigned_credential, vector_key):
    before = copy.deepcopy(unsigned_credential)

    signed = sign(
        unsigned_credential,
        private_key=vector_key,
        verification_method=SIGNED["proof"]["verificationMethod"],
        created=CREATED,
    )

    assert signed["proof"] == [SIGNED["proof"]]
    assert list(signed) == [*before, "proof"]
    assert unsigned_credential == before


def test_sign_document_with_a_proof_is_refused(signed_credential, vector_key):
    with pytest.raises(ValueError, match="already has a proof"):
        sign(
            signed_credential,
            private_key=vector_key,
            verification_method=SIGNED["proof"]["verificationMethod"],
            created=CREATED,
        )


def test_verify_proof_vector_is_valid_but_not_self_certifying(signed_credential, vector):
    check = verify_proof(signed_credential)

    assert check.valid, check.reason
    assert check.key is not None
    assert check.key.public_key.hex() == vector["public_key_hex"]
    assert check.key.self_certifying is False
    assert check.key.controller == "https://example.edu/issuers/565049"
    assert "has not been established" in check.reason
    assert check.verification_method == signed_credential["proof"]["verificationMethod"]
    assert check.created == CREATED
    assert check.proof_purpose == "assertionMethod"


def test_verify_proof_vector_with_proof_array_is_valid(signed_credential):
    signed_credential["proof"] = [signed_credential["proof"]]

    check = verify_proof(signed_credential)

    assert check.valid, check.reason


def test_verify_proof_leaves_the_document_unchanged(signed_credential):
    before = copy.deepcopy(signed_credential)

    verify_proof(signed_credential)

    assert signed_credential == before


def test_verify_proof_did_key_round_trip_is_valid_and_self_certifying(unsigned_credential):
    signed = did_key_signed(unsigned_credential)

    check = verify_proof(signed)

    assert check.valid, check.reason
    assert check.key is not None
    assert check.key.self_certifying is True
    assert check.key.controller == multikey.did_key(bytes.fromhex(VECTOR["public_key_hex"]))


def expected_reason(path):
    """What verify_proof says when the leaf at ``path`` of the vector is changed."""
    if path[0] == "@context":
        return "is not bundled"
    if "type" in path and path[0] != "proof":
        # A type that is not in the context: its statements and its type-scoped terms would be dropped.
        return "The credential cannot be verified."
    return {
        ("proof", "type"): "not DataIntegrityProof",
        ("proof", "created"): "is not a date-time with a time zone",
        ("proof", "verificationMethod"): "cannot be found",
        ("proof", "cryptosuite"): "only eddsa-rdfc-2022 is supported",
        ("proof", "proofPurpose"): "not the expected 'assertionMethod'",
        ("proof", "proofValue"): "an Ed25519 signature has 64",
    }.get(path, MISMATCH)


@pytest.mark.parametrize("path", list(leaf_paths(SIGNED)), ids=lambda path: ".".join(map(str, path)))
def test_verify_proof_any_changed_value_is_invalid(signed_credential, path):
    parent(signed_credential, path)[path[-1]] += "x"

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert expected_reason(path) in check.reason


@pytest.mark.parametrize(
    "path",
    [path for path in key_paths(SIGNED) if path[0] != "proof" and path != ("@context",)],
    ids=lambda path: ".".join(map(str, path)),
)
def test_verify_proof_any_removed_field_is_invalid(signed_credential, path):
    del parent(signed_credential, path)[path[-1]]

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert check.reason


def test_verify_proof_removed_context_is_invalid(signed_credential):
    del signed_credential["@context"]

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert "does not define these terms" in check.reason


def test_verify_proof_added_defined_field_is_invalid(signed_credential):
    signed_credential["description"] = "A description added after signing."

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert MISMATCH in check.reason


def test_verify_proof_added_undefined_field_is_invalid_and_named(signed_credential):
    signed_credential["credentialSubject"]["grade"] = "A+"

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert "does not define these terms" in check.reason
    assert "credentialSubject.grade" in check.reason


def test_verify_proof_other_base58_proof_value_is_invalid(signed_credential):
    proof_value = signed_credential["proof"]["proofValue"]
    signed_credential["proof"]["proofValue"] = proof_value[:-1] + ("a" if proof_value[-1] != "a" else "b")

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert MISMATCH in check.reason
    assert check.key is not None


@pytest.mark.parametrize(
    ("proof_value", "reason"),
    [
        ("z0OIl", "not valid base58btc"),
        ("u" + "A" * 86, "starting with 'z'"),
        (None, "starting with 'z'"),
        ("z", "holds 0 bytes"),
    ],
)
def test_verify_proof_unparseable_proof_value_is_invalid(signed_credential, proof_value, reason):
    signed_credential["proof"]["proofValue"] = proof_value

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert reason in check.reason


def test_verify_proof_other_created_is_invalid(signed_credential):
    signed_credential["proof"]["created"] = "2010-01-01T19:23:25Z"

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert MISMATCH in check.reason


def test_verify_proof_created_without_time_zone_is_invalid(signed_credential):
    signed_credential["proof"]["created"] = "2010-01-01T19:23:24"

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert "not a date-time with a time zone" in check.reason


def test_verify_proof_verification_method_of_another_key_is_invalid(signed_credential):
    signed_credential["proof"]["verificationMethod"] = multikey.did_key_verification_method(
        multikey.raw_public_key(OTHER_KEY)
    )

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert MISMATCH in check.reason


def test_verify_proof_other_cryptosuite_is_invalid(signed_credential):
    signed_credential["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert check.reason == "The proof's cryptosuite is 'ecdsa-rdfc-2019'; only eddsa-rdfc-2022 is supported."


def test_verify_proof_other_proof_type_is_invalid(signed_credential):
    signed_credential["proof"]["type"] = "Ed25519Signature2020"

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert check.reason == "The proof's type is 'Ed25519Signature2020', not DataIntegrityProof."


def test_verify_proof_added_proof_option_is_invalid(signed_credential):
    signed_credential["proof"]["domain"] = "example.org"

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert MISMATCH in check.reason


def test_verify_proof_undefined_term_in_proof_is_invalid(signed_credential):
    signed_credential["proof"]["note"] = "undefined"

    check = verify_proof(signed_credential)

    assert check.valid is False
    assert check.reason.startswith("The proof cannot be verified.")
    assert "note" in check.reason


def test_verify_proof_unresolvable_key_is_reported_as_such(unsigned_credential, vector_key):
    signed = sign(
        unsigned_credential,
        private_key=vector_key,
        verification_method="did:web:issuer.example#key-1",
        created=CREATED,
    )

    check = verify_proof(signed)

    assert check.valid is False
    assert "cannot be found, so the signature was not checked" in check.reason
    assert "did:web" in check.reason
    assert check.key is None


def test_verify_proof_resolver_that_fails_is_reported_as_unresolvable(signed_credential):
    def registry_without_the_key(method: str) -> multikey.ResolvedKey:
        raise LookupError(f"{method} is not in the registry")

    check = verify_proof(signed_credential, resolve=registry_without_the_key)

    assert check.valid is False
    assert "is not in the registry" in check.reason


def test_verify_proof_other_purpose_is_invalid_unless_expected(unsigned_credential, vector_key):
    signed = sign(
        unsigned_credential,
        private_key=vector_key,
        verification_method=SIGNED["proof"]["verificationMethod"],
        created=CREATED,
        proof_purpose="authentication",
    )

    refused = verify_proof(signed)
    accepted = verify_proof(signed, expected_proof_purpose="authentication")

    assert refused.valid is False
    assert "not the expected 'assertionMethod'" in refused.reason
    assert accepted.valid, accepted.reason


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (None, "The credential is not a JSON object (it is null)."),
        ([SIGNED], "The credential is not a JSON object (it is an array)."),
        ({"@context": SIGNED["@context"]}, "The credential has no proof."),
        ({**SIGNED, "proof": []}, "The credential has 0 proofs; exactly one is supported."),
        ({**SIGNED, "proof": [SIGNED["proof"], SIGNED["proof"]]}, "The credential has 2 proofs"),
        ({**SIGNED, "proof": "z5x9a"}, "The proof is not a JSON object (it is a string)."),
        ({**SIGNED, "proof": {**SIGNED["proof"], "proofPurpose": None}}, "The proof has no proofPurpose."),
        (
            {**SIGNED, "proof": {**SIGNED["proof"], "verificationMethod": 5}},
            "The proof has no verificationMethod.",
        ),
    ],
)
def test_verify_proof_malformed_credential_is_invalid(document, reason):
    check = verify_proof(document)

    assert check.valid is False
    assert check.reason.startswith(reason)


def test_verify_proof_deeply_nested_credential_is_invalid():
    nested: object = "leaf"
    for _ in range(5000):
        nested = [nested]
    document = {**SIGNED, "name": nested}

    check = verify_proof(document)

    assert check.valid is False


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
KEYS = st.sampled_from(
    ["@context", "@id", "@type", "id", "type", "proof", "name", "issuer", "credentialSubject"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hostile=st.one_of(
        JSON_VALUES,
        st.builds(lambda key, value: {**SIGNED, key: value}, KEYS, JSON_VALUES),
        st.builds(lambda key, value: {**SIGNED, "proof": {**SIGNED["proof"], key: value}}, KEYS, JSON_VALUES),
        st.builds(
            lambda key, value: {**SIGNED, "credentialSubject": {**SIGNED["credentialSubject"], key: value}},
            KEYS,
            JSON_VALUES,
        ),
    )
)
def test_verify_proof_any_json_value_never_raises(hostile):
    check = verify_proof(hostile)

    assert isinstance(check, ProofCheck)
    assert check.reason


TEXTS = st.text(max_size=60)


@settings(max_examples=40, deadline=None)
@given(name=TEXTS, description=TEXTS, other_name=TEXTS)
def test_sign_then_verify_any_name_is_valid_and_a_changed_name_is_not(name, description, other_name):
    document = unsigned_vector()
    document["name"] = name
    document["credentialSubject"]["achievement"]["description"] = description
    signed = did_key_signed(document)
    tampered = {**signed, "name": other_name if other_name != name else name + "."}

    check = verify_proof(signed)
    tampered_check = verify_proof(tampered)

    assert check.valid, check.reason
    assert tampered_check.valid is False
    assert MISMATCH in tampered_check.reason


def test_sign_is_deterministic(unsigned_credential):
    first = did_key_signed(unsigned_credential)
    second = did_key_signed(unsigned_credential)

    assert first == second


def test_hash_data_is_sha256_of_the_canonical_forms(unsigned_credential, signed_credential):
    options = {**signed_credential["proof"], "@context": unsigned_credential["@context"]}
    del options["proofValue"]
    expected = (
        hashlib.sha256(canonicalize(options).encode()).digest()
        + hashlib.sha256(canonicalize(unsigned_credential).encode()).digest()
    )

    assert hash_data(unsigned_credential, signed_credential["proof"]) == expected


def test_format_created_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        integrity.format_created(datetime(2024, 1, 1))
