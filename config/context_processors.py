"""Template context shared by every page: what the signed-in user's roles allow."""

from occupancy.roles import is_property_manager


def roles(request):
    user = getattr(request, "user", None)
    # A callable: the template asks only where it shows the navigation, not in fragments.
    return {"is_property_manager": lambda: bool(user and is_property_manager(user))}
