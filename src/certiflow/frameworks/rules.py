"""Who may do what with the registry (object permissions through django-rules).

The registry is what every role works from, so any signed-in user may read it (the login is
enforced for every page by the middleware); importing a
référentiel changes what candidates are evaluated against, so only administrators (the certifier's
staff) may do it, and only the uploader may confirm or discard their own pending import.
"""

import rules


@rules.predicate
def is_administrator(user) -> bool:
    return bool(user and user.is_active and user.is_staff)


@rules.predicate
def is_uploader(user, pending) -> bool:
    return pending is not None and pending.created_by_id == user.pk


rules.add_perm("frameworks.import_framework", is_administrator)
rules.add_perm("frameworks.confirm_import", is_administrator & is_uploader)
