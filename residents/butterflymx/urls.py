from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from residents.butterflymx.provider import ButterflyMXProvider

urlpatterns = default_urlpatterns(ButterflyMXProvider)
