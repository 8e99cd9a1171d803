"""The audit log (DESIGN rule 10): every change, who made it, before and after, and why.

Reading it is ``assessment.view_audit`` (administrators). Medical details never appear in it: the
domain records that they changed, not what they say.
"""

from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from certiflow.api.access import require
from certiflow.api.schemas import ERRORS, AuditEntryOut, AuditFilters
from certiflow.common.models import AuditLogEntry

router = Router(tags=["audit"])


@router.get("/audit", response={200: list[AuditEntryOut], **ERRORS})
@paginate(LimitOffsetPagination, max_limit=500)
def list_audit(request, filters: Query[AuditFilters]):
    """Audit entries, the newest first, for one object (``object_type`` and ``object_id``) or all."""
    require(request.auth, "assessment.view_audit")
    return filters.filter(AuditLogEntry.objects.select_related("actor"))
