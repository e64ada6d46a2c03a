"""Store ButterflyMX tokens when allauth completes a connect, a sign-up or a sign-in, and
make the doorbell's webhooks again with them."""

from allauth.account.signals import user_signed_up
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.signals import social_account_added, social_account_updated
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from residents.models import ButterflyMXConnection, DoorEvent, FavouriteDoor
from residents.push import doorbell_webhooks_renew
from residents.selectors import connection_forget, door_state_forget
from residents.services import connection_save


def _store(sociallogin) -> None:
    if sociallogin.account.provider != "butterflymx" or sociallogin.token is None:
        return
    connection = connection_save(
        user=sociallogin.user, social_account=sociallogin.account, token=sociallogin.token
    )
    # The doorbell's webhooks follow the newly connected identity.
    doorbell_webhooks_renew(connection=connection)


@receiver(social_account_added)
def on_social_account_added(sender, request, sociallogin, **kwargs):
    _store(sociallogin)


@receiver(social_account_updated)
def on_social_account_updated(sender, request, sociallogin, **kwargs):
    # During a connect, an account that belongs to someone else is refused afterwards:
    # nothing may be stored for it.
    connecting = sociallogin.state.get("process") == AuthProcess.CONNECT
    if connecting and request.user != sociallogin.user:
        return
    _store(sociallogin)


@receiver(user_signed_up)
def on_user_signed_up(sender, request, user, sociallogin=None, **kwargs):
    if sociallogin is not None:
        _store(sociallogin)


@receiver(post_save, sender=ButterflyMXConnection)
@receiver(post_delete, sender=ButterflyMXConnection)
@receiver(post_save, sender=SocialAccount)
@receiver(post_delete, sender=SocialAccount)
def on_connection_changed(sender, instance, **kwargs):
    # New tokens, a reconnect, a disconnect: the kept connection is dropped.
    connection_forget(user_id=instance.user_id)


@receiver(post_save, sender=DoorEvent)
@receiver(post_delete, sender=DoorEvent)
@receiver(post_save, sender=FavouriteDoor)
@receiver(post_delete, sender=FavouriteDoor)
def on_door_state_changed(sender, instance, **kwargs):
    # Only an opening counts as a use; a pending or failed attempt changes no order.
    if sender is DoorEvent and instance.outcome != DoorEvent.Outcome.OPENED:
        return
    door_state_forget(user_id=instance.user_id, tenant_id=instance.tenant_id)
