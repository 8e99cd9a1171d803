from datetime import UTC, datetime

import pytest

from certiflow.credentials.vc import integrity, multikey
from certiflow.credentials.vc.schema import schema_errors

KEY = multikey.private_key_from_seed(bytes(range(32)))
DID = multikey.did_key(multikey.raw_public_key(KEY))


def minimal_credential() -> dict:
    """The least an OpenBadgeCredential needs under the schema, written by hand from it."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:2f0e7a51-4c1a-4d0e-9a3b-5b1f0c6f2d11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": DID, "type": ["Profile"]},
        "validFrom": "2025-06-30T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://certiflow.example/achievements/1",
                "type": ["Achievement"],
                "name": "Bloc de compétences 1",
                "description": "Gérer un projet.",
                "criteria": {"narrative": "Évaluation par un jury."},
            },
        },
    }


def test_schema_errors_minimal_credential_has_none():
    assert schema_errors(minimal_credential()) == []


def test_schema_errors_minimal_credential_signed_has_none():
    signed = integrity.sign(
        minimal_credential(),
        private_key=KEY,
        verification_method=multikey.did_key_verification_method(multikey.raw_public_key(KEY)),
        created=datetime(2025, 6, 30, tzinfo=UTC),
    )

    assert schema_errors(signed) == []
    assert integrity.verify_proof(signed).valid


def test_schema_errors_vector_with_proof_object_is_refused_for_the_proof(signed_credential):
    errors = schema_errors(signed_credential)

    assert errors == ["at proof: is an object, not of type array"]


def test_schema_errors_vector_with_proof_array_has_none(signed_credential):
    signed_credential["proof"] = [signed_credential["proof"]]

    assert schema_errors(signed_credential) == []


def test_schema_errors_missing_required_field_is_reported_with_its_path():
    credential = minimal_credential()
    del credential["credentialSubject"]["achievement"]["criteria"]

    errors = schema_errors(credential)

    assert errors == ["at credentialSubject.achievement: 'criteria' is a required property"]


def test_schema_errors_missing_top_level_field_is_reported_at_the_root():
    credential = minimal_credential()
    del credential["validFrom"]

    assert schema_errors(credential) == ["at (root): 'validFrom' is a required property"]


@pytest.mark.parametrize("value", ["2025-13-01T00:00:00Z", "2025-06-30", "2025-06-30T00:00:00", "yesterday"])
def test_schema_errors_date_time_format_is_checked(value):
    credential = minimal_credential()
    credential["validFrom"] = value

    assert schema_errors(credential) == [f"at validFrom: {value!r} is not a 'date-time'"]


def test_schema_errors_missing_badge_type_names_the_types_needed():
    credential = minimal_credential()
    credential["type"] = ["VerifiableCredential"]

    errors = schema_errors(credential)

    assert errors == ["at type: must contain 'AchievementCredential' or 'OpenBadgeCredential'"]


def test_schema_errors_are_sorted_by_path():
    credential = minimal_credential()
    del credential["credentialSubject"]["achievement"]["name"]
    credential["validFrom"] = "never"
    del credential["id"]

    errors = schema_errors(credential)

    assert errors == sorted(errors)
    assert len(errors) == 3


@pytest.mark.parametrize(("value", "kind"), [(None, "null"), ([], "an array"), ("credential", "a string")])
def test_schema_errors_non_object_is_reported_at_the_root(value, kind):
    assert schema_errors(value) == [f"at (root): is {kind}, not of type object"]
