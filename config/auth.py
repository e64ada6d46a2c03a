"""The signed-in user, with their role, from one cache read instead of two queries a request.

Both authentication backends load the user of a session through ``signed_in_user``: the user
row, whether they are a property manager and, for managers and staff, whether they have a
second factor, kept together in the shared cache. Any change to the user (a new password,
deactivation, a sign-in's ``last_login``), to their groups or to their authenticators drops
the entry at once and again when the change commits, so the next request reads the
database; a password change therefore still signs out every other session at once.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from allauth.mfa.models import Authenticator
from django.contrib.auth import backends, get_user_model
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from occupancy.roles import has_second_factor, is_property_manager
from residents.selectors import cache_forget, cache_keep

# Bounds how long a change made without the ORM's signals (a raw query, a group renamed)
# goes unnoticed.
USER_SECONDS = 120

User = get_user_model()


def _key(user_id: Any) -> str:
    return f"auth:user:{user_id}"


def signed_in_user(user_id: Any, load) -> Any:
    """The user ``load`` finds for a session (or None), with their role worked out."""
    key = _key(user_id)
    user = cache.get(key)
    if user is not None:
        return user
    user = load(user_id)
    if user is None:
        return None
    # Remembered on the user object, and cached with it.
    if is_property_manager(user) or user.is_staff:
        has_second_factor(user)
    cache_keep(key, user, USER_SECONDS)
    return user


def signed_in_user_forget(user_id: Any) -> None:
    cache_forget(_key(user_id))


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        return signed_in_user(user_id, super().get_user)


class AllauthBackend(AuthenticationBackend):
    def get_user(self, user_id):
        return signed_in_user(user_id, super().get_user)


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def on_user_changed(sender, instance, **kwargs):
    signed_in_user_forget(instance.pk)


@receiver(m2m_changed, sender=User.groups.through)
def on_groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action.startswith("post_"):
            signed_in_user_forget(instance.pk)
        return
    # From the group's side: each user added or removed, or every member before a clear.
    if action == "pre_clear":
        user_ids: Any = User.objects.filter(groups=instance).values_list("pk", flat=True)
    elif action in ("post_add", "post_remove"):
        user_ids = pk_set or ()
    else:
        return
    for user_id in user_ids:
        signed_in_user_forget(user_id)


@receiver(post_save, sender=Authenticator)
@receiver(post_delete, sender=Authenticator)
def on_authenticator_changed(sender, instance, **kwargs):
    # Whether a manager has a second factor is cached with the user.
    signed_in_user_forget(instance.user_id)
