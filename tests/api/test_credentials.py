"""Credential endpoints: the public verification (a valid, a tampered, a revoked credential, a PDF, what
is not a credential), the list, detail and PDF each role may see, revoking, and issuing a signed
deliberation's credentials, each for an anonymous caller, the administrator, the candidate, the
provider manager who prepared them, and others (another provider's manager, a jury member, an
evaluator)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client

from certiflow.candidates.models import RoleGrant
from certiflow.credentials.domain.issuance import revoke
from certiflow.credentials.models import IssuanceBatch, IssuedCredential
from tests.api import as_user
from tests.credentials.conftest import Signed, build_signed
from tests.factories import ProviderFactory, UserFactory, grant

pytestmark = pytest.mark.django_db

CHECKS = ["format", "schema", "signature", "issuer", "dates", "revocation"]


@dataclass
class People:
    anonymous: None
    admin: object
    candidate: object  # the certified candidate's account
    manager: object  # manages the provider that prepared every candidate
    other_manager: object
    juror: object  # presides the deliberation: sees it, may not issue
    evaluator: object


@dataclass
class World:
    signed: Signed
    people: People

    @property
    def deliberation(self):
        return self.signed.deliberation

    def certificate(self) -> IssuedCredential:
        return IssuedCredential.objects.get(candidate=self.signed.certified.candidate, kind="certificate")

    def attestation(self) -> IssuedCredential:
        return IssuedCredential.objects.get(candidate=self.signed.partial.candidate)

    def user(self, role: str):
        return getattr(self.people, role)


def _people(signed: Signed) -> People:
    candidate = UserFactory()
    certified = signed.certified.candidate
    certified.user = candidate
    certified.save()
    return People(
        anonymous=None,
        admin=signed.world.admin,
        candidate=candidate,
        manager=grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, provider=signed.world.provider),
        other_manager=grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, provider=ProviderFactory()),
        juror=signed.world.jurors["director"],
        evaluator=signed.world.evaluator,
    )


@pytest.fixture
def signed_world(db) -> World:
    """A signed deliberation (certified, partial, failed), nothing issued yet."""
    signed = build_signed()
    return World(signed, _people(signed))


@pytest.fixture(scope="class")
def _issued(django_db_setup, django_db_blocker) -> Iterator[World]:
    """A signed deliberation with its credentials issued: the certified candidate's certificate and two
    bloc attestations, the partial candidate's attestation of bloc 1.

    Issuing renders PDFs, so it is built once for the class, in a transaction rolled back after the
    class; each test runs in a savepoint of it (pytest-django's ``db``), which undoes what it changed."""
    with django_db_blocker.unblock(), transaction.atomic():
        signed = build_signed()
        signed.issue()
        yield World(signed, _people(signed))
        transaction.set_rollback(True)


@pytest.fixture
def world(_issued, db) -> World:
    return _issued


def _client(client, world: World, role: str):
    user = world.user(role)
    return client if user is None else as_user(client, user)


def _verify(client, body, content_type="application/json"):
    return client.post("/api/verify", body, content_type=content_type)


def _verdicts(body) -> dict[str, str]:
    return {name: check["verdict"] for name, check in body["checks"].items()}


def _listed(client, world: World, role: str, query: str = "") -> list[tuple[str, str | None]]:
    response = _client(client, world, role).get(f"/api/credentials{query}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["items"])
    return sorted((item["kind"], item["block"]) for item in body["items"])


CERTIFIED = [
    ("block_attestation", "RNCP39603BC01"),
    ("block_attestation", "RNCP39603BC02"),
    ("certificate", None),
]


EVERY = sorted([*CERTIFIED, ("block_attestation", "RNCP39603BC01")])


def _revoke(client, credential, reason="Identité du titulaire erronée."):
    return client.post(
        f"/api/credentials/{credential.pk}/revoke", {"reason": reason}, content_type="application/json"
    )


# --- verifying what is not a credential ----------------------------------------------------------------
def test_verify_a_json_object_that_is_not_a_credential_is_200_not_valid(client, db):
    body = _verify(client, {"name": "Teamwork"}).json()

    assert body["valid"] is False
    assert _verdicts(body) == {"format": "failed", **dict.fromkeys(CHECKS[1:], "not_checked")}


@pytest.mark.parametrize(
    ("content", "content_type", "detail"),
    [
        ("[1, 2]", "application/json", "The JSON is not an object, so it is not a credential."),
        ('"urn:uuid:1"', "application/json", "The JSON is not an object, so it is not a credential."),
        ("pas du JSON", "application/json", "The file is not JSON"),
        ("", "application/json", "The file is not JSON"),
        (b"%PDF-1.7\n%%EOF", "application/pdf", "The PDF cannot be read"),
    ],
)
def test_verify_a_body_that_is_not_a_credential_object_is_400(client, db, content, content_type, detail):
    response = _verify(client, content, content_type=content_type)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert response.json()["hint"]


def test_verify_is_public_in_the_openapi_document(client, db):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/verify"]["post"]

    assert "security" not in operation
    assert set(operation["requestBody"]["content"]) == {"application/json", "application/pdf"}
    assert set(operation["responses"]) == {"200", "400"}


class TestIssued:
    """Tests on one world with issued credentials, built once for the class (see :func:`_issued`)."""

    # --- verifying (public) ----------------------------------------------------------------------------
    def test_verify_a_valid_credential_anonymously(self, client, world):
        certificate = world.certificate()

        response = _verify(client, certificate.document)

        assert response.status_code == 200
        body = response.json()
        assert body["valid"] is True
        assert list(body["checks"]) == CHECKS
        assert set(_verdicts(body).values()) == {"passed"}
        assert all(check["message"] for check in body["checks"].values())
        summary = body["credential"]
        assert summary["credential_id"] == f"urn:uuid:{certificate.pk}"
        assert summary["issuer_name"] == "ECAD CONSULTANTS - IESA ART&CULTURE"
        assert summary["issuer_id"] == certificate.key.did
        assert summary["subject_name"] == (
            f"{certificate.candidate.first_name} {certificate.candidate.last_name}"
        )
        assert summary["achievement_type"] == "Certification"

    def test_verify_reads_the_credential_a_pdf_carries(self, client, world):
        response = _verify(client, bytes(world.attestation().pdf), content_type="application/pdf")

        assert response.status_code == 200
        assert response.json()["valid"] is True
        assert response.json()["credential"]["achievement_code"] == "RNCP39603BC01"

    def test_verify_a_tampered_credential_is_200_with_the_signature_failed(self, client, world):
        document = json.loads(world.certificate().document)
        document["credentialSubject"]["identifier"][0]["identityHash"] = "Quelqu'un d'autre"

        response = _verify(client, json.dumps(document))

        assert response.status_code == 200
        body = response.json()
        assert body["valid"] is False
        verdicts = _verdicts(body)
        assert verdicts["signature"] == "failed"
        assert body["checks"]["signature"]["message"].startswith("The signature does not match")
        assert {verdicts[name] for name in ("format", "schema", "dates", "revocation")} == {"passed"}
        assert body["credential"]["subject_name"] == "Quelqu'un d'autre"

    def test_verify_a_revoked_credential_says_why(self, client, world):
        certificate = world.certificate()
        revoke(actor=world.people.admin, credential=certificate, reason="Erreur sur l'identité du titulaire.")

        body = _verify(client, certificate.document).json()

        assert body["valid"] is False
        verdicts = _verdicts(body)
        assert (verdicts["revocation"], verdicts["signature"]) == ("failed", "passed")
        assert "Erreur sur l'identité du titulaire." in body["checks"]["revocation"]["message"]

    def test_verify_needs_no_csrf_token_even_when_signed_in(self, world):
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.people.candidate)

        response = _verify(client, world.certificate().document)

        assert (response.status_code, response.json()["valid"]) == (200, True)

    # --- the list --------------------------------------------------------------------------------------
    @pytest.mark.parametrize(
        ("role", "expected"),
        [
            ("admin", EVERY),
            ("manager", EVERY),
            ("candidate", CERTIFIED),
            ("other_manager", []),
            ("juror", []),
            ("evaluator", []),
        ],
    )
    def test_list_credentials_shows_each_role_what_it_may_see(self, client, world, role, expected):
        assert _listed(client, world, role) == expected

    def test_list_credentials_describes_each_credential(self, client, world):
        certificate = world.certificate()

        items = as_user(client, world.people.admin).get("/api/credentials").json()["items"]

        item = next(i for i in items if i["kind"] == "certificate")
        assert item == {
            "id": str(certificate.pk),
            "kind": "certificate",
            "candidate": {
                "id": certificate.candidate.pk,
                "last_name": certificate.candidate.last_name,
                "first_name": certificate.candidate.first_name,
            },
            "certification": "RNCP39603",
            "block": None,
            "deliberation_id": world.deliberation.pk,
            "session_id": world.deliberation.session_id,
            "issued_at": item["issued_at"],
            "issuer": certificate.key.did,
            "pdf_sha256": certificate.pdf_sha256,
            "verification_url": f"http://127.0.0.1:8000/verify/{certificate.pk}/",
            "revoked_at": None,
            "revocation_reason": "",
            "replaced_by": None,
        }
        assert "document" not in item

    def test_list_credentials_filters_by_deliberation_session_and_revocation(self, client, world):
        revoke(actor=world.people.admin, credential=world.attestation(), reason="Bloc attribué par erreur.")
        as_user(client, world.people.admin)
        session = world.deliberation.session_id

        assert _listed(client, world, "admin", f"?deliberation={world.deliberation.pk}") == EVERY
        assert _listed(client, world, "admin", f"?session={session}") == EVERY
        assert _listed(client, world, "admin", "?deliberation=999999") == []
        assert _listed(client, world, "admin", f"?session={session + 1000}") == []
        assert _listed(client, world, "admin", "?revoked=true") == [("block_attestation", "RNCP39603BC01")]
        assert _listed(client, world, "admin", "?revoked=false") == CERTIFIED

    def test_list_credentials_is_paginated(self, client, world):
        as_user(client, world.people.admin)

        first = client.get("/api/credentials?limit=3").json()
        rest = client.get("/api/credentials?limit=3&offset=3").json()

        assert (first["count"], len(first["items"]), len(rest["items"])) == (4, 3, 1)
        assert not {i["id"] for i in first["items"]} & {i["id"] for i in rest["items"]}

    # --- one credential and its PDF --------------------------------------------------------------------
    @pytest.mark.parametrize("role", ["admin", "manager", "candidate"])
    def test_get_credential_has_its_signed_document(self, client, world, role):
        certificate = world.certificate()

        response = _client(client, world, role).get(f"/api/credentials/{certificate.pk}")

        assert response.status_code == 200
        body = response.json()
        assert (body["id"], body["kind"]) == (str(certificate.pk), "certificate")
        assert body["document"] == json.loads(certificate.document)
        assert body["document"]["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"

    @pytest.mark.parametrize("role", ["admin", "manager", "candidate"])
    def test_get_credential_pdf_with_its_fingerprint(self, client, world, role):
        certificate = world.certificate()

        response = _client(client, world, role).get(f"/api/credentials/{certificate.pk}/pdf")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content == bytes(certificate.pdf)
        assert response["X-Content-SHA256"] == hashlib.sha256(response.content).hexdigest()
        assert response["ETag"] == f'"{certificate.pdf_sha256}"'
        assert response["Content-Disposition"].startswith('attachment; filename="')
        assert response["Content-Disposition"].endswith(f'certificate-{certificate.pk}.pdf"')

    @pytest.mark.parametrize("tail", ["", "/pdf"])
    @pytest.mark.parametrize("role", ["other_manager", "juror", "evaluator", "candidate"])
    def test_a_credential_is_404_for_anyone_who_may_not_see_it(self, client, world, role, tail):
        """The candidate sees theirs, not the partial candidate's attestation."""
        response = _client(client, world, role).get(f"/api/credentials/{world.attestation().pk}{tail}")

        assert response.status_code == 404

    @pytest.mark.parametrize("tail", ["", "/pdf"])
    def test_an_unknown_credential_is_404(self, client, world, tail):
        response = as_user(client, world.people.admin).get(f"/api/credentials/{uuid.uuid4()}{tail}")

        assert response.status_code == 404

    # --- revoking --------------------------------------------------------------------------------------
    def test_revoke_as_the_administrator_then_verify_says_revoked(self, client, world):
        certificate = world.certificate()

        response = _revoke(as_user(client, world.people.admin), certificate)

        assert response.status_code == 200
        body = response.json()
        assert body["revoked_at"]
        assert body["revocation_reason"] == "Identité du titulaire erronée."
        certificate.refresh_from_db()
        assert certificate.revoked_by == world.people.admin
        verified = _verify(Client(), certificate.document).json()
        assert _verdicts(verified)["revocation"] == "failed"
        assert _listed(client, world, "admin", "?revoked=true") == [("certificate", None)]

    def test_revoke_twice_is_400_with_the_refusal(self, client, world):
        as_user(client, world.people.admin)
        _revoke(client, world.certificate())

        response = _revoke(client, world.certificate(), reason="Encore.")

        assert response.status_code == 400
        assert response.json()["detail"].startswith("This credential was already revoked on ")
        assert world.certificate().revocation_reason == "Identité du titulaire erronée."

    def test_revoke_without_a_reason_is_400_and_revokes_nothing(self, client, world):
        response = _revoke(as_user(client, world.people.admin), world.certificate(), reason="  ")

        assert response.status_code == 400
        assert response.json()["detail"] == (
            "Say why the credential is revoked: the reason is shown to whoever verifies it."
        )
        assert world.certificate().revoked_at is None

    @pytest.mark.parametrize("role", ["candidate", "manager"])
    def test_revoke_is_403_for_those_who_see_the_credential_but_may_not_revoke_it(self, client, world, role):
        response = _revoke(_client(client, world, role), world.certificate())

        assert response.status_code == 403
        assert world.certificate().revoked_at is None

    @pytest.mark.parametrize("role", ["other_manager", "juror", "evaluator"])
    def test_revoke_is_404_for_those_who_do_not_see_the_credential(self, client, world, role):
        assert _revoke(_client(client, world, role), world.certificate()).status_code == 404
        assert world.certificate().revoked_at is None

    # --- anonymous -------------------------------------------------------------------------------------
    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("get", "/api/credentials"),
            ("get", "/api/credentials/{id}"),
            ("get", "/api/credentials/{id}/pdf"),
            ("post", "/api/credentials/{id}/revoke"),
            ("post", "/api/deliberations/{deliberation}/issuance"),
            ("get", "/api/issuance/{batch}"),
        ],
    )
    def test_anonymous_calls_are_401(self, client, world, method, url):
        batch = IssuanceBatch.objects.get()
        url = url.format(id=world.certificate().pk, deliberation=world.deliberation.pk, batch=batch.pk)

        response = getattr(client, method)(url, {"reason": "x"}, content_type="application/json")

        assert response.status_code == 401
        assert world.certificate().revoked_at is None


# --- issuing -------------------------------------------------------------------------------------------
def _issue(client, world: World):
    return client.post(
        f"/api/deliberations/{world.deliberation.pk}/issuance", content_type="application/json"
    )


def test_issue_as_the_administrator_runs_the_batch_and_is_idempotent(
    client, signed_world, django_capture_on_commit_callbacks
):
    as_user(client, signed_world.people.admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = _issue(client, signed_world)

    assert response.status_code == 202
    queued = response.json()
    assert (queued["deliberation_id"], queued["requested_by"]) == (
        signed_world.deliberation.pk,
        signed_world.people.admin.get_username(),
    )
    batch = client.get(f"/api/issuance/{queued['id']}").json()
    assert {key: batch[key] for key in ("status", "total", "done", "issued", "error")} == {
        "status": "done",
        "total": 2,  # the certified and the partial candidate; the failed one receives nothing
        "done": 2,
        "issued": 4,
        "error": "",
    }
    assert batch["finished_at"]
    assert IssuedCredential.objects.count() == 4

    with django_capture_on_commit_callbacks(execute=True):
        again = _issue(client, signed_world)
    assert again.status_code == 202
    assert client.get(f"/api/issuance/{again.json()['id']}").json()["issued"] == 0
    assert IssuedCredential.objects.count() == 4


def test_issue_answers_the_unfinished_batch_instead_of_a_new_one(client, signed_world):
    """Outside a committed transaction the queued task has not run yet: the batch is still queued."""
    as_user(client, signed_world.people.admin)

    first = _issue(client, signed_world).json()
    second = _issue(client, signed_world).json()

    assert first["status"] == "queued"
    assert first["id"] == second["id"]
    assert IssuanceBatch.objects.count() == 1


def test_issue_without_exactly_one_certifier_is_400(client, signed_world):
    signed_world.signed.world.certification.certifiers.clear()

    response = _issue(as_user(client, signed_world.people.admin), signed_world)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Certification RNCP39603 must have exactly one certifier")
    assert not IssuanceBatch.objects.exists()


def test_issue_is_403_for_a_member_of_the_jury(client, signed_world):
    assert _issue(as_user(client, signed_world.people.juror), signed_world).status_code == 403
    assert not IssuanceBatch.objects.exists()


@pytest.mark.parametrize("role", ["candidate", "manager", "other_manager", "evaluator"])
def test_issue_is_404_for_those_who_do_not_see_the_deliberation(client, signed_world, role):
    assert _issue(_client(client, signed_world, role), signed_world).status_code == 404
    assert not IssuanceBatch.objects.exists()


def test_an_issuance_batch_is_seen_by_those_who_see_its_deliberation(client, signed_world):
    batch = signed_world.signed.issue()
    url = f"/api/issuance/{batch.pk}"

    assert as_user(client, signed_world.people.juror).get(url).json()["status"] == "done"
    for role in ("candidate", "manager", "evaluator"):
        assert _client(client, signed_world, role).get(url).status_code == 404
    assert as_user(client, signed_world.people.admin).get("/api/issuance/999999").status_code == 404
