"""Every page renders without template errors, for each kind of visitor."""

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLIC = ["account_login", "account_signup", "account_reset_password"]
SIGNED_IN = ["home", "account", "account_change_password", "account_email"]


@pytest.fixture(autouse=True)
def _strict_templates(settings):
    # A copy, so that the settings fixture restores the original afterwards.
    options = {**settings.TEMPLATES[0]["OPTIONS"], "string_if_invalid": "INVALID{%s}"}
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "OPTIONS": options}]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_pages_render(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "INVALID{" not in response.content.decode()
    assert "hx-headers=" in response.content.decode()


@pytest.mark.parametrize("name", SIGNED_IN)
def test_signed_in_pages_render(resident_client, name):
    response = resident_client.get(reverse(name))
    assert response.status_code == 200
    assert "INVALID{" not in response.content.decode()


def test_unknown_pages_get_the_styled_404(client):
    with override_settings(DEBUG=False):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "find that page" in response.content.decode()


def test_server_errors_get_the_styled_500(resident_client, monkeypatch):
    from residents import views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render", explode)
    resident_client.raise_request_exception = False
    response = resident_client.get(reverse("home"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "boom" not in response.content.decode()
