from django.utils.functional import SimpleLazyObject

from certiflow.candidates.models import RoleGrant
from certiflow.jury.models import JuryMember


def _held(user) -> set[str]:
    held = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    if user.is_staff:
        held.add("administrator")
    if hasattr(user, "candidate"):
        held.add("candidate")
    if "jury_member" not in held and JuryMember.objects.filter(user=user).exists():
        # Sitting on a jury (a director, a teacher) without the jury member role.
        held.add("jury_seat")
    return held


def roles(request):
    """The signed-in user's roles, for the navigation (each view still checks its permissions).
    Lazy, so fragments that show no navigation cost no query."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"roles": set()}
    return {"roles": SimpleLazyObject(lambda: _held(user))}
