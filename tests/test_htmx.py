"""htmx requests that go wrong are handled once, for every view (config/htmx.py)."""

from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _htmx_from(page: str) -> dict:
    return {**HTMX, "HTTP_HX_CURRENT_URL": f"http://testserver{page}"}


@pytest.mark.parametrize(
    ("url", "page"),
    [
        (reverse("door_card", args=[1, 2, "access_point", 3]), reverse("doors", args=[1, 2])),
        (f"{reverse('occupancy:dashboard')}?range=today", f"{reverse('occupancy:dashboard')}?b=1"),
    ],
)
def test_an_expired_session_goes_to_sign_in_and_back_to_the_page(client, url, page):
    response = client.get(url, **_htmx_from(page))

    assert response.status_code == 200
    assert response.content == b""
    target = urlsplit(response["HX-Redirect"])
    assert target.path == reverse("account_login")
    assert parse_qs(target.query)["next"] == [page]


def test_an_expired_session_on_an_htmx_post_comes_back_to_the_page(client):
    page = reverse("doors", args=[1, 2])
    url = reverse("door_unlock", args=[1, 2, "device", 3])

    response = client.post(url, **_htmx_from(page))

    assert parse_qs(urlsplit(response["HX-Redirect"]).query)["next"] == [page]


def test_a_page_from_another_origin_is_not_where_sign_in_returns(client):
    url = reverse("door_card", args=[1, 2, "access_point", 3])
    response = client.get(url, **HTMX, HTTP_HX_CURRENT_URL="https://evil.example/phish")

    assert parse_qs(urlsplit(response["HX-Redirect"]).query)["next"] == ["/"]


def test_without_htmx_the_sign_in_redirect_is_a_plain_one(client):
    response = client.get(reverse("doors", args=[1, 2]))

    assert response.status_code == 302
    assert "HX-Redirect" not in response


def _assert_notice(response, status: int, words: str) -> None:
    assert response.status_code == status
    assert response["HX-Retarget"] == "#notice"
    assert response["HX-Reswap"] == "innerHTML"
    body = unescape(response.content.decode())
    assert words in body
    assert "<html" not in body and "<main" not in body


def test_a_404_is_a_small_notice(resident_client):
    response = resident_client.get("/no-such-page/", **HTMX)

    _assert_notice(response, 404, "That isn't here any more")


def test_a_403_is_a_small_notice(resident_client):
    response = resident_client.get(reverse("occupancy:dashboard"), **HTMX)

    _assert_notice(response, 403, "You don't have access to that.")


def test_a_csrf_failure_is_a_small_notice(resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)

    response = client.post(reverse("doors_refresh", args=[1, 2]), **HTMX)

    _assert_notice(response, 403, "This page was open too long. Reload it and try again.")


def test_a_server_error_is_a_small_notice(resident, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("residents.views.connection_for_user", broken)
    client = Client(raise_request_exception=False)
    client.force_login(resident)

    response = client.get(reverse("account"), **HTMX)

    _assert_notice(response, 500, "Something went wrong on our side.")


def test_without_htmx_an_error_is_the_whole_page(resident_client):
    response = resident_client.get("/no-such-page/")

    assert response.status_code == 404
    assert "HX-Retarget" not in response
    assert "<html" in response.content.decode()


def test_every_page_has_the_notice_area(resident_client):
    page = resident_client.get(reverse("account")).content.decode()

    assert 'id="notice"' in page
    assert "js/htmx-errors.js" in page
