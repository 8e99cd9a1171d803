import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certiflow.candidates.models import Candidate, Enrolment, RoleGrant
from tests.factories import (
    AccessRouteFactory,
    AdministratorFactory,
    FrameworkFactory,
    ProviderAuthorisationFactory,
    ProviderFactory,
    UserFactory,
    grant,
)

HEADER = "nom;prénom;email;certification;voie d'accès;date de début\n"


@pytest.fixture
def school(db):
    framework = FrameworkFactory()
    AccessRouteFactory(certification=framework.certification)
    authorisation = ProviderAuthorisationFactory(certification=framework.certification)
    return framework, authorisation.provider


def _csv(framework, *rows: str) -> SimpleUploadedFile:
    body = HEADER + "".join(
        f"{row};{framework.certification.code};formation initiale;01/09/2024\n" for row in rows
    )
    return SimpleUploadedFile("promo.csv", body.encode("cp1252"), content_type="text/csv")


def test_roster_import_report_then_import(client, school):
    framework, provider = school
    client.force_login(AdministratorFactory())

    upload = client.post(
        reverse("web:roster-import"),
        {"provider": provider.pk, "roster": _csv(framework, "Dupré;Zoé;zoe@exemple.fr")},
    )
    preview = client.get(upload["Location"])
    written_before_confirmation = Candidate.objects.exists()
    done = client.post(upload["Location"])

    assert preview.status_code == 200
    assert "Dupré" in preview.content.decode()
    assert not written_before_confirmation
    assert done.status_code == 302
    assert Enrolment.objects.get(candidate__email="zoe@exemple.fr").provider == provider


def test_roster_import_with_an_invalid_row_writes_nothing_unless_skipped(client, school):
    framework, provider = school
    client.force_login(AdministratorFactory())
    upload = client.post(
        reverse("web:roster-import"),
        {
            "provider": provider.pk,
            "roster": _csv(framework, "Dupré;Zoé;zoe@exemple.fr", "Martin;Léo;pas-un-email"),
        },
    )

    refused = client.post(upload["Location"])
    assert refused.status_code == 400
    assert not Candidate.objects.exists()

    skipped = client.post(upload["Location"], {"skip_invalid": "on"})
    assert skipped.status_code == 302
    assert list(Candidate.objects.values_list("email", flat=True)) == ["zoe@exemple.fr"]


def test_roster_import_provider_manager_only_for_their_provider(client, school):
    framework, provider = school
    other = ProviderFactory()
    manager = grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, other)
    client.force_login(manager)

    response = client.post(
        reverse("web:roster-import"),
        {"provider": provider.pk, "roster": _csv(framework, "Dupré;Zoé;zoe@exemple.fr")},
    )

    assert response.status_code == 400  # the other provider is not a choice
    assert not Candidate.objects.exists()


def test_roster_import_refused_for_an_evaluator(client, school):
    client.force_login(grant(UserFactory(), RoleGrant.Role.EVALUATOR))

    assert client.get(reverse("web:roster-import")).status_code == 403


def test_roster_import_binary_file_is_refused_with_a_message(client, school):
    _framework, provider = school
    client.force_login(AdministratorFactory())

    response = client.post(
        reverse("web:roster-import"),
        {"provider": provider.pk, "roster": SimpleUploadedFile("promo.xlsx", b"\x00\x01garbage" * 50)},
    )

    assert response.status_code == 400
    assert "error-box" in response.content.decode()
