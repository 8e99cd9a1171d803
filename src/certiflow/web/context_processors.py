from certiflow.candidates.models import RoleGrant


def roles(request):
    """The signed-in user's roles, for the navigation (permissions are still checked by each view)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"roles": set()}
    held = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    if user.is_staff:
        held.add("administrator")
    if hasattr(user, "candidate"):
        held.add("candidate")
    return {"roles": held}
