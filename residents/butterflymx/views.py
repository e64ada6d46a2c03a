"""The OAuth 2.0 adapter and the two allauth views (login and callback) for ButterflyMX.

Tokens are encrypted the moment they arrive: allauth may keep a pending login in the
session, and only ciphertext must ever be stored. A pair that the callback neither stores
nor leaves pending is revoked before the callback answers.
"""

import logging

from allauth.socialaccount.models import SocialToken
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
    OAuth2LoginView,
)
from django.conf import settings

from residents.butterflymx.client import (
    ButterflyMXClient,
    ButterflyMXError,
    token_info,
    token_revoke,
)
from residents.crypto import token_decrypt, token_encrypt
from residents.models import ButterflyMXConnection

logger = logging.getLogger(__name__)

# Where allauth keeps a social sign-up that waits for the sign-up form.
PENDING_SIGNUP_SESSION_KEY = "socialaccount_sociallogin"


class ButterflyMXOAuth2Adapter(OAuth2Adapter):
    provider_id = "butterflymx"
    # The pair this callback received, as stored (ciphertext).
    received: SocialToken | None = None

    @property
    def authorize_url(self):
        return f"{settings.BUTTERFLYMX_ACCOUNTS_URL}/oauth/authorize"

    @property
    def access_token_url(self):
        return f"{settings.BUTTERFLYMX_ACCOUNTS_URL}/oauth/token"

    def parse_token(self, data):
        token = super().parse_token(data)
        token.token = token_encrypt(token.token)
        token.token_secret = token_encrypt(token.token_secret) if token.token_secret else ""
        self.received = token
        return token

    def complete_login(self, request, app, token: SocialToken, **kwargs):
        access_token = token_decrypt(token.token)
        try:
            info = token_info(access_token=access_token)
            tenants = ButterflyMXClient(access_token).tenants()
        except ButterflyMXError as exc:
            raise ProviderException(f"ButterflyMX did not confirm the account ({exc})") from exc
        named = next((tenant for tenant in tenants if tenant.email), None)
        extra_data = {
            "id": info.resource_owner_id,
            "email": named.email if named else None,
            "first_name": named.first_name if named else None,
            "last_name": named.last_name if named else None,
            "name": named.display_name if named else None,
            "tenant_count": len(tenants),
        }
        return self.get_provider().sociallogin_from_response(request, extra_data)


def _pair_kept(request, token: SocialToken) -> bool:
    if ButterflyMXConnection.objects.filter(access_token_ciphertext=token.token).exists():
        return True
    pending = request.session.get(PENDING_SIGNUP_SESSION_KEY) or {}
    return (pending.get("token") or {}).get("token") == token.token


def _pair_revoke(token: SocialToken) -> None:
    for ciphertext in (token.token_secret, token.token):
        if not ciphertext:
            continue
        try:
            token_revoke(token=token_decrypt(ciphertext))
        except ButterflyMXError as exc:
            logger.warning("ButterflyMX revocation of an unused pair failed: %s", exc)


class ButterflyMXCallbackView(OAuth2CallbackView):
    """allauth's callback, which may end without keeping the pair it just received (the
    account belongs to another Foyer user, ButterflyMX did not confirm who it is, the
    sign-in was refused): such a pair is revoked rather than left live at ButterflyMX."""

    adapter: ButterflyMXOAuth2Adapter

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            token = self.adapter.received
            if token is not None and not _pair_kept(request, token):
                _pair_revoke(token)


oauth2_login = OAuth2LoginView.adapter_view(ButterflyMXOAuth2Adapter)
oauth2_callback = ButterflyMXCallbackView.adapter_view(ButterflyMXOAuth2Adapter)
