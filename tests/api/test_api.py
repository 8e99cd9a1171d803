"""The API as a whole: authentication (session with CSRF, HTTP Basic), 401 instead of the login
redirect, the error format, and the OpenAPI document."""

import re

import pytest
from django.test import Client

from tests.api import (
    as_user,
    basic,
)
from tests.factories import AdministratorFactory, FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db

SESSION = {"title": "Juin", "starts_on": "2025-06-01", "ends_on": "2025-06-30"}

#: Every path of the API, as the OpenAPI document must list it.
PATHS = {
    "/api/enrolments",
    "/api/enrolments/{enrolment_id}",
    "/api/enrolments/{enrolment_id}/progress",
    "/api/enrolments/{enrolment_id}/status",
    "/api/enrolments/{enrolment_id}/prerequisite-evidence",
    "/api/prerequisite-evidence/{evidence_id}/verify",
    "/api/enrolments/{enrolment_id}/accommodations",
    "/api/enrolments/{enrolment_id}/accommodations/{accommodation_id}",
    "/api/enrolments/{enrolment_id}/exemption-proposals",
    "/api/conflicts",
    "/api/sessions",
    "/api/sessions/{session_id}",
    "/api/sessions/{session_id}/scheduled",
    "/api/scheduled/{scheduled_id}/sittings",
    "/api/scheduled/{scheduled_id}/groups",
    "/api/assignments",
    "/api/assignments/{assignment_id}",
    "/api/assignments/{assignment_id}/marks/{criterion_id}",
    "/api/assignments/{assignment_id}/submit",
    "/api/assignments/{assignment_id}/reopen",
    "/api/assignments/{assignment_id}/evidence",
    "/api/assignments/{assignment_id}/evidence/link",
    "/api/assignments/{assignment_id}/evidence/{evidence_id}/file",
    "/api/double-marking/sittings/{sitting_id}",
    "/api/double-marking/sittings/{sitting_id}/reconcile",
    "/api/double-marking/groups/{group_id}",
    "/api/double-marking/groups/{group_id}/reconcile",
    "/api/sessions/{session_id}/proposals",
    "/api/deliberations",
    "/api/deliberations/{deliberation_id}",
    "/api/deliberations/{deliberation_id}/decisions",
    "/api/deliberations/{deliberation_id}/decisions/{decision_id}",
    "/api/deliberations/{deliberation_id}/minutes",
    "/api/deliberations/{deliberation_id}/issuance",
    "/api/issuance/{batch_id}",
    "/api/verify",
    "/api/credentials",
    "/api/credentials/{credential_id}",
    "/api/credentials/{credential_id}/pdf",
    "/api/credentials/{credential_id}/revoke",
    "/api/audit",
}
#: The operations anyone may call: verifying a credential is public.
PUBLIC = {("post", "/api/verify")}


def test_anonymous_call_is_401_json_not_a_login_redirect(client):
    response = client.get("/api/enrolments")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert set(response.json()) == {"detail", "hint", "field"}
    assert response["WWW-Authenticate"].startswith("Basic")


def test_every_operation_answers_an_anonymous_call_with_401(client):
    """Each operation is reachable (no two routers claim the same path) and asks for authentication,
    but the public ones (their answer to an empty object: a verification report, not valid)."""
    paths = client.get("/api/openapi.json").json()["paths"]
    operations = [(method, re.sub(r"\{\w+\}", "1", path)) for path, item in paths.items() for method in item]

    answers = {
        (method, url): getattr(client, method)(url, content_type="application/json").status_code
        for method, url in operations
    }

    assert len(answers) == 43
    assert {answers.pop(operation) for operation in PUBLIC} == {200}
    assert set(answers.values()) == {401}


def test_anonymous_change_is_401_even_without_csrf_token():
    response = Client(enforce_csrf_checks=True).post(
        "/api/sessions", SESSION, content_type="application/json"
    )

    assert response.status_code == 401


def test_session_change_without_csrf_token_is_403():
    client = Client(enforce_csrf_checks=True)
    client.force_login(AdministratorFactory())

    response = client.post(
        "/api/sessions", {**SESSION, "framework_id": FrameworkFactory().pk}, content_type="application/json"
    )

    assert response.status_code == 403


def test_session_change_with_csrf_token_is_accepted():
    client = Client(enforce_csrf_checks=True)
    client.force_login(AdministratorFactory())
    client.get("/login/")  # sets the CSRF cookie, as any page does

    response = client.post(
        "/api/sessions",
        {**SESSION, "framework_id": FrameworkFactory().pk},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    assert response.status_code == 201


def test_basic_auth_script_changes_without_csrf_token():
    admin = AdministratorFactory()

    response = Client(enforce_csrf_checks=True).post(
        "/api/sessions",
        {**SESSION, "framework_id": FrameworkFactory().pk},
        content_type="application/json",
        **basic(admin),
    )

    assert response.status_code == 201
    assert response.json()["title"] == "Juin"


def test_basic_auth_with_a_wrong_password_is_401(client):
    user = UserFactory()

    response = client.get("/api/enrolments", HTTP_AUTHORIZATION="Basic " + "dXNlcjp3cm9uZw==")
    assert response.status_code == 401
    assert client.get("/api/enrolments", **basic(user)).status_code == 200


def test_basic_auth_of_an_inactive_user_is_401(client):
    user = UserFactory(is_active=False)

    assert client.get("/api/enrolments", **basic(user)).status_code == 401


def test_refusal_names_the_field_and_keeps_nothing(client):
    as_user(client, AdministratorFactory())

    response = client.post(
        "/api/sessions",
        {**SESSION, "framework_id": FrameworkFactory().pk, "ends_on": "2025-05-01"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["field"] == "ends_on"
    assert response.json()["detail"]


def test_unknown_id_in_a_body_is_400_on_its_field(client):
    as_user(client, AdministratorFactory())

    response = client.post(
        "/api/sessions", {**SESSION, "framework_id": 999999}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == "framework_id"


def test_openapi_document_lists_every_path_and_resolves_its_references(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"] == {
        "title": "certiflow",
        "version": "1",
        "description": document["info"]["description"],
    }
    assert set(document["paths"]) == PATHS
    schemas = document["components"]["schemas"]
    references = _references(document)
    assert references
    assert {ref.removeprefix("#/components/schemas/") for ref in references} <= set(schemas)
    operation_ids = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))
    assert set(document["components"]["securitySchemes"]) == {"BasicAuth", "SessionCsrfAuth"}


def test_openapi_document_keeps_medical_details_out_of_every_schema_but_the_referents(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]

    holders = {name for name, schema in schemas.items() if "medical_details" in schema.get("properties", {})}

    assert holders == {"AccommodationIn", "AccommodationUpdateIn", "AccommodationOut"}
    assert "medical_details" not in schemas["AdaptedConditionsOut"]["properties"]


def test_docs_page_is_served(client):
    assert client.get("/api/docs").status_code == 200


def _references(node) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_references(value) for value in node))
    return set()
