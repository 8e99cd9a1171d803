"""How credentials follow the jury: a signed rectification revokes what it corrects and re-issues."""

from __future__ import annotations

import logging

from django.db import transaction

from certiflow.common.domain.errors import Refused
from certiflow.credentials.domain.issuance import request_issuance, revoke_superseded
from certiflow.jury.models import Deliberation

logger = logging.getLogger(__name__)


def on_deliberation_signed(sender, *, deliberation: Deliberation, actor, **kwargs) -> None:
    """Inside the signing transaction: revoke the superseded decisions' credentials (so a corrected
    result is never verifiable as valid, not even for a moment); once committed, issue the replacements
    if the corrected deliberation had been issued."""
    if deliberation.rectifies_id is None:
        return
    if revoke_superseded(actor=actor, deliberation=deliberation):
        transaction.on_commit(lambda: _reissue(actor=actor, deliberation=deliberation))


def _reissue(*, actor, deliberation: Deliberation) -> None:
    try:
        request_issuance(actor=actor, deliberation=deliberation)
    except Refused as refusal:
        # The signature stands; the deliberation's page offers to issue again once the cause is fixed.
        logger.warning("Re-issuing after deliberation %s was refused: %s", deliberation.pk, refusal)
