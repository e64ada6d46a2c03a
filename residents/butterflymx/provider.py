"""The ButterflyMX provider for django-allauth: OAuth 2.0 authorization code with S256 PKCE."""

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider

from residents.butterflymx.views import ButterflyMXOAuth2Adapter


class ButterflyMXAccount(ProviderAccount):
    def to_str(self):
        data = self.account.extra_data
        return data.get("name") or data.get("email") or super().to_str()


class ButterflyMXProvider(OAuth2Provider):
    id = "butterflymx"
    name = "ButterflyMX"
    account_class = ButterflyMXAccount
    oauth2_adapter_class = ButterflyMXOAuth2Adapter
    pkce_enabled_default = True

    def get_default_scope(self):
        return ["public"]

    def extract_uid(self, data):
        return str(data["id"])

    def extract_common_fields(self, data):
        return {
            "email": data.get("email"),
            "first_name": data.get("first_name") or "",
            "last_name": data.get("last_name") or "",
        }


provider_classes = [ButterflyMXProvider]
