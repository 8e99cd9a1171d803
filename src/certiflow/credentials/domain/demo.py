"""The demonstration's credentials (``certiflow demo --stage issued``), through the real domain.

After the deliberated stage (:func:`certiflow.jury.domain.demo.build_deliberated_demo`), the signed
deliberation's credentials are issued as an administrator issues them: one batch
(:func:`~certiflow.credentials.domain.issuance.create_batch`, then
:func:`~certiflow.credentials.domain.issuance.run_batch` with its progress), signed by the key of the
certification's only certifier (seed 003: « ECAD CONSULTANTS - IESA ART&CULTURE », which the demo
référentiel copies from the fiche), created on first use.

:func:`build_issued_demo` runs the deliberated stage then this in one transaction, or issues an existing
signed demo deliberation that has issued nothing yet; a demo issued already is refused, and a refusal
leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from certiflow.assessment.domain.demo import (
    DEFAULT_CANDIDATES,
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    DemoReport,
    Progress,
    existing_demo_session,
)
from certiflow.common.domain.errors import Refused
from certiflow.credentials.domain.issuance import create_batch, run_batch
from certiflow.credentials.models import IssuanceBatch, IssuedCredential, IssuerKey
from certiflow.jury.domain.demo import DELIBERATED, DeliberatedDemo, build_deliberated_demo, demo_admin
from certiflow.jury.domain.demo import STAGES as JURY_STAGES
from certiflow.jury.models import Deliberation, Minutes

ISSUED = "issued"
STAGES = (*JURY_STAGES, ISSUED)

#: ``(decisions handled, decisions in all)``, called after each decision is issued.
IssuingProgress = Callable[[int, int], None]


@dataclass
class IssuedDemo:
    """What :func:`issue_demo` did, for the command to print."""

    batch: IssuanceBatch
    certificates: int
    attestations: int
    #: A demo candidate account that holds a certificate, and that certificate (None when no candidate
    #: with an account is certified).
    account: str | None
    certificate: IssuedCredential | None
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.certificates + self.attestations


def refuse_if_issued(deliberation: Deliberation) -> None:
    if (
        deliberation.issuance_batches.exists()
        or IssuedCredential.objects.filter(decision__deliberation=deliberation).exists()
    ):
        raise Refused(
            _(
                "The demo deliberation « %(title)s » already has its credentials issued: the demo issues "
                "once per database."
            )
            % {"title": deliberation.title},
            hint=_(
                "Start from an empty database (delete var/certiflow.sqlite3, then `certiflow migrate`) to "
                "build it again."
            ),
        )


def issue_demo(
    *, deliberation: Deliberation, progress: Progress | None = None, issuing: IssuingProgress | None = None
) -> IssuedDemo:
    """Issue the signed demo ``deliberation``'s credentials as the demo's administrator. Call it inside a
    transaction: a refusal or a failed batch must leave nothing behind."""
    say = progress or (lambda _message: None)
    refuse_if_issued(deliberation)
    admin = demo_admin()
    batch = create_batch(actor=admin, deliberation=deliberation)
    say(
        _("Issuing the credentials of « %(title)s » (decisions to issue: %(count)s).")
        % {"title": deliberation.title, "count": batch.total}
    )
    batch = run_batch(batch=batch, progress=issuing)
    if batch.status != IssuanceBatch.Status.DONE:
        raise Refused(
            _("Issuing the demo's credentials failed: %(error)s") % {"error": batch.error or batch.status}
        )
    issued = IssuedCredential.objects.filter(decision__deliberation=deliberation)
    kinds = dict(issued.values_list("kind").annotate(n=Count("pk")).order_by())
    certificate = (
        issued.filter(kind=IssuedCredential.Kind.CERTIFICATE, candidate__user__isnull=False)
        .select_related("candidate__user")
        .defer("pdf", "document")
        .order_by("candidate__user__username")
        .first()
    )
    result = IssuedDemo(
        batch=batch,
        certificates=kinds.get(IssuedCredential.Kind.CERTIFICATE, 0),
        attestations=kinds.get(IssuedCredential.Kind.BLOCK_ATTESTATION, 0),
        account=certificate.candidate.user.get_username() if certificate else None,
        certificate=certificate,
    )
    key = IssuerKey.objects.filter(credentials__decision__deliberation=deliberation).distinct().first()
    say(
        _(
            "Credentials issued — certificates: %(certificates)s, bloc attestations: %(attestations)s; "
            "signed by %(did)s."
        )
        % {
            "certificates": result.certificates,
            "attestations": result.attestations,
            "did": key.did if key else "-",
        }
    )
    certification = deliberation.session.framework.certification
    if certification.valid_until and certification.valid_until < timezone.localdate():
        result.notes.append(
            _(
                "The registration of %(code)s ended on %(date)s: its bloc attestations are valid until that "
                "day, so they now verify as expired; certificates have no end date."
            )
            % {"code": certification.code, "date": certification.valid_until.strftime("%d/%m/%Y")}
        )
    return result


@transaction.atomic
def build_issued_demo(
    *,
    candidates: int = DEFAULT_CANDIDATES,
    password: str = DEFAULT_PASSWORD,
    seed: int = DEFAULT_SEED,
    publish: bool = False,
    progress: Progress | None = None,
    issuing: IssuingProgress | None = None,
) -> tuple[DemoReport, DeliberatedDemo, IssuedDemo]:
    """The deliberated demo then its credentials, in one transaction: a refusal or a failure leaves nothing
    behind. An existing demo whose deliberation is signed and has issued nothing is issued as it is."""
    say = progress or (lambda _message: None)
    existing = existing_demo_session()
    deliberation = existing.deliberations.order_by("pk").first() if existing else None
    if deliberation is not None and deliberation.signed_at is not None:
        refuse_if_issued(deliberation)
        report = DemoReport(
            stage=DELIBERATED, framework=existing.framework, session=existing, password=password
        )
        report.notes.append(
            _(
                "The demo deliberation « %(title)s » was already signed: its credentials were issued as it "
                "stands (--candidates, --seed, --password and --publish were not used)."
            )
            % {"title": deliberation.title}
        )
        deliberated = DeliberatedDemo(
            deliberation=deliberation, minutes=Minutes.objects.get(deliberation=deliberation)
        )
    else:
        report, deliberated = build_deliberated_demo(
            candidates=candidates, password=password, seed=seed, publish=publish, progress=say
        )
    outcome = issue_demo(deliberation=deliberated.deliberation, progress=say, issuing=issuing)
    report.stage = ISSUED
    report.counts.update({"certificates": outcome.certificates, "bloc attestations": outcome.attestations})
    report.notes.extend(outcome.notes)
    return report, deliberated, outcome
