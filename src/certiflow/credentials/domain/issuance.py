"""Issuing, revoking and re-issuing what candidates receive after a signed deliberation.

For each decision of a signed deliberation (seed 003, « L'obtention de la certification est conditionnée à
la validation de l'ensemble des blocs de compétences »):
- a certified candidate receives the certificate (parchemin) and an attestation for each bloc validated by
  this jury;
- a partially certified candidate receives an attestation for each bloc validated by this jury;
- a bloc capitalised from an earlier session got its attestation from the jury that validated it, so it
  is listed on the certificate but not attested again.

Each credential is an Open Badges 3.0 ``OpenBadgeCredential`` signed by the certifier's active key, and a
PDF that carries it. Issuing is idempotent per decision (unique constraints back it): running a batch
twice, or two batches at once, never issues twice. A rectifying deliberation revokes the credentials of
the decisions it supersedes, in its signing transaction, and its batch issues their replacements.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from certiflow.common.domain import audit
from certiflow.common.domain.errors import Refused
from certiflow.credentials.domain import documents, pdfs, status
from certiflow.credentials.domain.keys import active_key, private_key
from certiflow.credentials.models import IssuanceBatch, IssuedCredential, IssuerKey
from certiflow.credentials.vc import integrity
from certiflow.frameworks.models import Block, Certifier
from certiflow.jury.models import BlockDecision, Decision, Deliberation

Kind = IssuedCredential.Kind
Source = BlockDecision.Source
ISSUED_RESULTS = frozenset({Decision.Result.CERTIFIED, Decision.Result.PARTIAL})
#: How the printed documents name each ground of a validated bloc (in French: the documents are).
GROUND_LABELS = {
    Source.GRADED: "évaluation",
    Source.CAPITALISED: "bloc capitalisé",
    Source.CORRESPONDENCE: "tableau de correspondance",
    Source.EQUIVALENCE: "équivalence",
    Source.VAE: "VAE",
}
Progress = Callable[[int, int], None]


def issuing_certifier(deliberation: Deliberation) -> Certifier:
    """The certifier who signs: the certification's only certifier. With none or several, issuing is
    refused rather than guessed."""
    certification = deliberation.session.framework.certification
    certifiers = list(certification.certifiers.all())
    if len(certifiers) != 1:
        names = ", ".join(c.name for c in certifiers) or _("none")
        raise Refused(
            _(
                "Certification %(code)s must have exactly one certifier to sign its credentials (it has: "
                "%(names)s). Set its certifier in the administration, then issue again."
            )
            % {"code": certification.code, "names": names}
        )
    return certifiers[0]


@dataclass(frozen=True)
class Planned:
    kind: str
    block_decision: BlockDecision | None


def planned(decision: Decision) -> list[Planned]:
    """What ``decision`` entitles its candidate to (its ``blocks`` prefetched)."""
    if decision.result not in ISSUED_RESULTS:
        return []
    attested = [
        Planned(Kind.BLOCK_ATTESTATION, block)
        for block in decision.blocks.all()
        if block.validated and block.source != Source.CAPITALISED
    ]
    if decision.result == Decision.Result.CERTIFIED:
        return [Planned(Kind.CERTIFICATE, None), *attested]
    return attested


class _Issuer:
    """What every credential of one deliberation shares, loaded once: the référentiel's achievements,
    the certifier and its key, the status-list allocator."""

    def __init__(self, *, actor: AbstractBaseUser | None, deliberation: Deliberation) -> None:
        self.deliberation = deliberation
        framework = deliberation.session.framework
        self.certification = framework.certification
        self.certifier = issuing_certifier(deliberation)
        self.achievements = documents.achievements_for(framework)
        self.blocks = {block.pk: block for block in Block.objects.filter(framework=framework)}
        self.key: IssuerKey = active_key(certifier=self.certifier, actor=actor)
        self.profile = documents.issuer_profile(certifier=self.certifier, did=self.key.did)

    def issue(
        self, *, decision: Decision, plan: Planned, allocator: status.Allocator, now: datetime
    ) -> IssuedCredential:
        credential_id = uuid.uuid4()
        status_list, index = allocator.take()
        candidate = decision.enrolment.candidate
        block = self.blocks[plan.block_decision.block_id] if plan.block_decision else None
        if block is None:
            achievement = self.achievements.certification
            name = f"Certificat — {self.certification.title}"
            valid_until = None
        else:
            achievement = self.achievements.blocks[block.pk]
            name = f"Attestation de bloc de compétences — {block.code} — {block.title}"
            valid_until = self.certification.valid_until
        unsigned = documents.credential(
            credential_id=credential_id,
            name=name,
            issuer=self.profile,
            candidate=candidate,
            achievement=achievement,
            jury_date=self.deliberation.meets_on,
            awarded_at=self.deliberation.signed_at or now,
            valid_until=valid_until,
            status_list_id=status_list.pk,
            status_index=index,
        )
        signed = integrity.sign(
            unsigned,
            private_key=private_key(self.key),
            verification_method=self.key.verification_method,
            created=now,
        )
        text = json.dumps(signed, ensure_ascii=False, indent=2)
        replaced = _replaced(decision, plan, block)
        pdf = pdfs.render_pdf(
            self.printed(
                credential_id=credential_id,
                kind=plan.kind,
                decision=decision,
                block_decision=plan.block_decision,
                valid_until=valid_until,
                issued_at=now,
                replaces=str(replaced.pk) if replaced else "",
                credential_json=text,
            )
        )
        issued = IssuedCredential.objects.create(
            id=credential_id,
            kind=plan.kind,
            decision=decision,
            block_decision=plan.block_decision,
            candidate=candidate,
            key=self.key,
            status_list=status_list,
            status_index=index,
            document=text,
            pdf=pdf,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            issued_at=now,
        )
        if replaced is not None:
            replaced.replaced_by = issued
            replaced.save(update_fields=["replaced_by"])
        return issued

    def printed(
        self,
        *,
        credential_id: uuid.UUID,
        kind: str,
        decision: Decision,
        block_decision: BlockDecision | None,
        valid_until: date | None,
        issued_at: datetime,
        replaces: str,
        credential_json: str,
    ) -> pdfs.PrintedCredential:
        """What the PDF prints: a certificate lists every bloc validated, an attestation its own bloc."""
        candidate = decision.enrolment.candidate
        shown = [block_decision] if block_decision else [b for b in decision.blocks.all() if b.validated]
        blocks = tuple(
            pdfs.PrintedBlock(
                code=self.blocks[b.block_id].code, title=self.blocks[b.block_id].title, ground=_ground(b)
            )
            for b in sorted(shown, key=lambda b: self.blocks[b.block_id].position)
        )
        return pdfs.PrintedCredential(
            kind=kind,
            credential_id=str(credential_id),
            verification_url=documents.verification_url(credential_id),
            certifier_name=self.certifier.name,
            certifier_siret=self.certifier.siret,
            certifier_website=self.certifier.website,
            certification_title=self.certification.title,
            rncp_code=self.certification.code,
            level=self.certification.level,
            candidate_first_name=candidate.first_name,
            candidate_last_name=candidate.last_name,
            candidate_birth_date=candidate.birth_date,
            blocks=blocks,
            jury_date=self.deliberation.meets_on,
            jury_place=self.deliberation.place,
            issued_at=issued_at,
            valid_until=valid_until,
            issuer_did=self.key.did,
            replaces=replaces,
            credential_json=credential_json,
        )


def _ground(block_decision: BlockDecision) -> str:
    """How the printed document names a bloc's ground; nothing for a bloc simply evaluated."""
    return "" if block_decision.source == Source.GRADED else GROUND_LABELS.get(block_decision.source, "")


def _replaced(decision: Decision, plan: Planned, block: Block | None) -> IssuedCredential | None:
    """The credential of the superseded decision that this one replaces (same kind, same bloc code)."""
    if not decision.supersedes_id:
        return None
    earlier = IssuedCredential.objects.filter(
        decision_id=decision.supersedes_id, kind=plan.kind, replaced_by=None
    )
    if block is not None:
        earlier = earlier.filter(block_decision__block__code=block.code)
    return earlier.first()


def _decisions(deliberation: Deliberation):
    return (
        Decision.objects.filter(
            deliberation=deliberation, result__in=ISSUED_RESULTS, superseded_by__isnull=True
        )
        .select_related("enrolment__candidate")
        .prefetch_related(Prefetch("blocks", queryset=BlockDecision.objects.order_by("pk")), "credentials")
        .order_by("pk")
    )


def _require_signed(deliberation: Deliberation) -> None:
    if deliberation.signed_at is None:
        raise Refused(
            _(
                "Deliberation « %(title)s » is not signed yet: credentials are issued after every member confirmed."
            )
            % {"title": deliberation.title}
        )


def issue_decision(
    *, actor: AbstractBaseUser | None, decision: Decision, issuer: _Issuer, batch: IssuanceBatch | None = None
) -> list[IssuedCredential]:
    """Issue what ``decision`` entitles its candidate to and has not received yet, in one transaction."""
    existing = {(c.kind, c.block_decision_id) for c in decision.credentials.all()}
    todo = [
        p
        for p in planned(decision)
        if (p.kind, p.block_decision.pk if p.block_decision else None) not in existing
    ]
    if not todo:
        return []
    now = timezone.now().replace(microsecond=0)
    try:
        with transaction.atomic():
            allocator = status.Allocator(issuer.key)
            issued = [
                issuer.issue(decision=decision, plan=plan, allocator=allocator, now=now) for plan in todo
            ]
            if batch is not None:
                IssuedCredential.objects.filter(pk__in=[c.pk for c in issued]).update(batch=batch)
            audit.record(
                actor=actor,
                action="credentials.issue",
                obj=decision,
                changes={"credentials": [f"{c.kind}:{c.pk}" for c in issued], "key": issuer.key.did},
            )
    except IntegrityError:
        # Another batch issued the same decision meanwhile: the constraints kept it single; nothing to do.
        return []
    return issued


def create_batch(*, actor: AbstractBaseUser | None, deliberation: Deliberation) -> IssuanceBatch:
    """Record a request to issue ``deliberation``'s credentials; an unfinished one is returned instead."""
    _require_signed(deliberation)
    issuing_certifier(deliberation)
    with transaction.atomic():
        Deliberation.objects.select_for_update().get(pk=deliberation.pk)
        pending = deliberation.issuance_batches.filter(
            status__in=[IssuanceBatch.Status.QUEUED, IssuanceBatch.Status.RUNNING]
        ).first()
        if pending is not None:
            return pending
        batch = IssuanceBatch.objects.create(
            deliberation=deliberation,
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            total=_decisions(deliberation).count(),
        )
        audit.record(
            actor=actor, action="credentials.request_issuance", obj=deliberation, changes={"batch": batch.pk}
        )
    return batch


def request_issuance(*, actor: AbstractBaseUser | None, deliberation: Deliberation) -> IssuanceBatch:
    """Create the batch and hand it to the task queue once committed (inline on the default backend)."""
    from certiflow.credentials.tasks import issue_batch  # the task module imports this one

    batch = create_batch(actor=actor, deliberation=deliberation)
    if batch.status == IssuanceBatch.Status.QUEUED:
        transaction.on_commit(lambda: issue_batch.enqueue(batch_id=batch.pk))
    return batch


def run_batch(*, batch: IssuanceBatch, progress: Progress | None = None) -> IssuanceBatch:
    """Issue every decision of the batch's deliberation, one transaction per decision, counting progress
    in the batch row (so another process can show it). A failure stops the batch with its message; what
    was issued stays, and running it again goes on where it stopped."""
    claimed = IssuanceBatch.objects.filter(
        pk=batch.pk, status__in=[IssuanceBatch.Status.QUEUED, IssuanceBatch.Status.FAILED]
    ).update(status=IssuanceBatch.Status.RUNNING, started_at=timezone.now(), done=0, error="")
    batch.refresh_from_db()
    if not claimed:
        return batch
    actor = batch.requested_by
    try:
        issuer = _Issuer(actor=actor, deliberation=batch.deliberation)
        decisions = list(_decisions(batch.deliberation))
        total, issued = len(decisions), 0
        IssuanceBatch.objects.filter(pk=batch.pk).update(total=total)
        for done, decision in enumerate(decisions, start=1):
            issued += len(issue_decision(actor=actor, decision=decision, issuer=issuer, batch=batch))
            IssuanceBatch.objects.filter(pk=batch.pk).update(done=done, issued=issued)
            if progress is not None:
                progress(done, total)
    except Exception as error:  # the batch must end in a visible state whatever went wrong
        IssuanceBatch.objects.filter(pk=batch.pk).update(
            status=IssuanceBatch.Status.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
        )
        batch.refresh_from_db()
        if not isinstance(error, Refused):
            raise
        return batch
    IssuanceBatch.objects.filter(pk=batch.pk).update(
        status=IssuanceBatch.Status.DONE, finished_at=timezone.now()
    )
    batch.refresh_from_db()
    return batch


# --- revocation -----------------------------------------------------------------------------------------


def revoke(*, actor: AbstractBaseUser | None, credential: IssuedCredential, reason: str) -> IssuedCredential:
    """Revoke one credential: its status-list bit is set and the list re-signed, in one transaction."""
    if not reason.strip():
        raise Refused(_("Say why the credential is revoked: the reason is shown to whoever verifies it."))
    with transaction.atomic():
        credential = IssuedCredential.objects.select_for_update().get(pk=credential.pk)
        if credential.is_revoked:
            raise Refused(
                _("This credential was already revoked on %(date)s.") % {"date": credential.revoked_at.date()}
            )
        revoke_all(actor=actor, credentials=[credential], reason=reason)
    return credential


def revoke_all(*, actor: AbstractBaseUser | None, credentials: list[IssuedCredential], reason: str) -> None:
    """Revoke ``credentials`` (not yet revoked) in the caller's transaction, each list re-signed once."""
    if not credentials:
        return
    now = timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        status.set_revoked(credentials)
        for credential in credentials:
            credential.revoked_at, credential.revoked_by, credential.revocation_reason = now, user, reason
            credential.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
            audit.record(actor=actor, action="credential.revoke", obj=credential, reason=reason)


def revoke_superseded(
    *, actor: AbstractBaseUser | None, deliberation: Deliberation
) -> list[IssuedCredential]:
    """When a rectifying deliberation is signed: revoke what the decisions it supersedes had received."""
    superseded = [d.supersedes_id for d in deliberation.decisions.all() if d.supersedes_id]
    credentials = list(
        IssuedCredential.objects.select_for_update().filter(
            decision_id__in=superseded, revoked_at__isnull=True
        )
    )
    reason = _("Corrected by the rectifying deliberation « %(title)s » of %(date)s.") % {
        "title": deliberation.title,
        "date": deliberation.meets_on,
    }
    revoke_all(actor=actor, credentials=credentials, reason=reason)
    return credentials
