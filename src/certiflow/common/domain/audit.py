from __future__ import annotations

from typing import Any

from django.db import models

from certiflow.common.models import AuditLogEntry


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditLogEntry:
    """Append one entry to the audit log for ``obj``. Call it inside the transaction of the change,
    so the change and its record commit or roll back together."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditLogEntry.objects.create(
        actor=user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes=changes or {},
        reason=reason,
    )
