"""The OAuth 2.0 adapter and the two allauth views (login and callback) for ButterflyMX.

Tokens are encrypted the moment they arrive: allauth may keep a pending login in the
session, and only ciphertext must ever be stored.
"""

from allauth.socialaccount.models import SocialToken
from allauth.socialaccount.providers.base import ProviderException
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
    OAuth2LoginView,
)
from django.conf import settings

from residents.butterflymx.client import ButterflyMXClient, ButterflyMXError, token_info
from residents.crypto import token_decrypt, token_encrypt


class ButterflyMXOAuth2Adapter(OAuth2Adapter):
    provider_id = "butterflymx"

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


oauth2_login = OAuth2LoginView.adapter_view(ButterflyMXOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(ButterflyMXOAuth2Adapter)
