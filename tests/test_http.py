"""The upstream clients' session reads proxies and the CA bundle from the environment once
per origin, and still honours them (no_proxy included)."""

import pytest
import requests
from requests.adapters import BaseAdapter

from config import http


class RecordingAdapter(BaseAdapter):
    """The transport: records what each request would have been sent with."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append(kwargs)
        response = requests.Response()
        response.status_code = 200
        response.request = request
        return response

    def close(self):
        pass


@pytest.fixture
def session(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        for variant in (name, name.lower()):
            monkeypatch.delenv(variant, raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    http._environment.cache_clear()
    session = http.Session()
    adapter = RecordingAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    yield session, adapter
    http._environment.cache_clear()


def test_the_environments_proxy_is_used(session, monkeypatch):
    session, adapter = session
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")

    session.get("https://api.example/v4/me")

    assert adapter.sent[0]["proxies"]["https"] == "http://proxy.example:3128"


def test_no_proxy_is_honoured(session, monkeypatch):
    session, adapter = session
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "api.example")

    session.get("https://api.example/v4/me")
    session.get("https://other.example/v4/me")

    assert "https" not in adapter.sent[0]["proxies"]
    assert adapter.sent[1]["proxies"]["https"] == "http://proxy.example:3128"


def test_a_proxy_given_for_the_request_wins(session, monkeypatch):
    session, adapter = session
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")

    session.get("https://api.example/", proxies={"https": "http://mine.example:8080"})

    assert adapter.sent[0]["proxies"]["https"] == "http://mine.example:8080"


def test_the_environments_ca_bundle_is_used_unless_the_request_names_one(session, monkeypatch):
    session, adapter = session
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corporate.pem")

    session.get("https://api.example/")
    session.get("https://api.example/", verify="/etc/ssl/mine.pem")

    assert [sent["verify"] for sent in adapter.sent] == [
        "/etc/ssl/corporate.pem",
        "/etc/ssl/mine.pem",
    ]


def test_the_environment_is_read_once_per_origin(session, monkeypatch):
    session, adapter = session
    reads = []
    real = http.get_environ_proxies
    monkeypatch.setattr(http, "get_environ_proxies", lambda url: reads.append(url) or real(url))

    for _ in range(3):
        session.get("https://api.example/v4/me")
        session.get("https://api.example/v4/tenants")
    session.get("https://auth.example/oauth/token")

    assert reads == ["https://api.example", "https://auth.example"]
    assert len(adapter.sent) == 7
