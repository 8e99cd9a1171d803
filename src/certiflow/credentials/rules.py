"""Who may see, issue and revoke credentials (object permissions, django-rules).

A credential is personal data: its candidate sees theirs (portal), the provider that prepared the
candidate sees those of its candidates, administrators (the certifier's staff) see all, issue and
revoke. Verifying is public: anyone holding a credential may check it, that is the point.
"""

from __future__ import annotations

import rules

from certiflow.candidates.rules import managed_provider_ids
from certiflow.frameworks.rules import is_administrator


@rules.predicate
def is_own_credential(user, credential) -> bool:
    if credential is None or not (user and user.is_authenticated and user.is_active):
        return False
    return credential.candidate.user_id is not None and credential.candidate.user_id == user.pk


@rules.predicate
def prepared_by_managed_provider(user, credential) -> bool:
    if credential is None:
        return False
    return credential.decision.enrolment.provider_id in managed_provider_ids(user)


rules.add_perm(
    "credentials.view_credential", is_administrator | is_own_credential | prepared_by_managed_provider
)
rules.add_perm("credentials.issue", is_administrator)
rules.add_perm("credentials.revoke", is_administrator)
rules.add_perm("credentials.manage_keys", is_administrator)
