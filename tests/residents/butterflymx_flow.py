"""Drive the ButterflyMX connect flow the way a browser would, against the sandbox."""

import re
from urllib.parse import parse_qsl, urlsplit

import requests
from django.urls import reverse


def connect_start(client, *, process="connect", next=None) -> str:
    """Press the button (carrying ``next`` when given, as the button does); returns the
    sandbox authorize URL allauth redirects to."""
    form = {"process": process, **({"next": next} if next else {})}
    response = client.post(reverse("butterflymx_login"), form)
    assert response.status_code == 302, response.content
    return response.url


def consent(authorize_url: str, *, person, decision="approve", **overrides) -> str:
    """Answer the sandbox consent page; returns where ButterflyMX sends the browser back."""
    url = urlsplit(authorize_url)
    browser = requests.Session()
    page = browser.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form = {
        **dict(parse_qsl(url.query)),
        **overrides,
        "person": person.pk,
        "decision": decision,
        "csrfmiddlewaretoken": csrf,
    }
    response = browser.post(
        f"{url.scheme}://{url.netloc}{url.path}", data=form, allow_redirects=False, timeout=5
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def callback(client, callback_url: str):
    url = urlsplit(callback_url)
    return client.get(f"{url.path}?{url.query}")


def connect(client, *, person, next=None):
    return callback(client, consent(connect_start(client, next=next), person=person))
