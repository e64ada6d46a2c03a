"""Reads for the resident side."""

from residents.models import ButterflyMXConnection


def connection_for_user(*, user) -> ButterflyMXConnection | None:
    return ButterflyMXConnection.objects.select_related("social_account").filter(user=user).first()
