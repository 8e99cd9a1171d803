"""How an endpoint reaches an object: it must exist and the user must be allowed to see it (else 404,
so an id tells nothing), then the user must be allowed the change they ask for (else 403).

Permissions are the django-rules ones (``candidates.rules``, ``assessment.rules``); nothing is decided
here but which answer a refusal gets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from certiflow.common.domain.errors import NotAllowed, Refused

M = TypeVar("M", bound=Model)


def _may(user, perm: str | None, obj: Any, through: Callable[[Any], Any] | None) -> bool:
    return perm is None or user.has_perm(perm, through(obj) if through else obj)


def get_visible(
    user, queryset: QuerySet[M], pk: int, *, perm: str, through: Callable[[M], Any] | None = None
) -> M:
    """The object ``pk`` of ``queryset`` if ``user`` has ``perm`` on it (or on ``through(obj)``, the
    object the permission is about); else 404, whether it is missing or hidden."""
    obj = queryset.filter(pk=pk).first()
    if obj is None or not _may(user, perm, obj, through):
        raise Http404
    return obj


def require(user, perm: str, obj: Any = None) -> None:
    """403 unless ``user`` has ``perm`` (on ``obj`` when given)."""
    if not user.has_perm(perm, obj):
        raise NotAllowed(_("You are not allowed to do this."))


def get_referenced(
    queryset: QuerySet[M],
    pk: int | None,
    *,
    field: str,
    user=None,
    perm: str | None = None,
    through: Callable[[M], Any] | None = None,
) -> M | None:
    """An object a request body names by id (None stays None). Missing, or hidden from ``user`` when
    ``perm`` is given, it is a 400 on ``field``: the body is wrong, and says nothing of what exists."""
    if pk is None:
        return None
    obj = queryset.filter(pk=pk).first()
    if obj is None or not _may(user, perm, obj, through):
        raise Refused(_("Nothing has the id %(id)s.") % {"id": pk}, field=field)
    return obj


def get_all_referenced(
    queryset: QuerySet[M],
    pks: list[int],
    *,
    field: str,
    user=None,
    perm: str | None = None,
    through: Callable[[M], Any] | None = None,
) -> list[M]:
    """Every object a request body lists by id, in the order given (see :func:`get_referenced`)."""
    found = {obj.pk: obj for obj in queryset.filter(pk__in=pks) if _may(user, perm, obj, through)}
    if missing := [pk for pk in pks if pk not in found]:
        raise Refused(
            _("Nothing has the id %(id)s.") % {"id": ", ".join(str(pk) for pk in missing)}, field=field
        )
    return [found[pk] for pk in dict.fromkeys(pks)]


def get_user(username: str, *, field: str):
    """The active user a request body names by user name: 400 on ``field`` when there is none."""
    user = (
        get_user_model().objects.filter(is_active=True, **{get_user_model().USERNAME_FIELD: username}).first()
    )
    if user is None:
        raise Refused(_("No user is called « %(name)s ».") % {"name": username}, field=field)
    return user
