"""Security headers, the Content-Security-Policy our pages work under, and deploy checks."""

import base64
import hashlib
import json
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from config import settings as configured
from tests.production import ROOT, django_run

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/accounts/butterflymx/login/callback/"

# What a CSP without 'unsafe-inline' or 'unsafe-eval' refuses to run or apply.
INLINE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on attribute": re.compile(r"\shx-on[:-]", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def policy(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives}


def inline_code(html: str) -> list[str]:
    return [f"{kind}: {hit.group(0)}" for kind, rx in INLINE.items() for hit in rx.finditer(html)]


PRODUCTION_REQUESTS = """
import json
from django.test import Client
client = Client(HTTP_HOST="foyer.example")
plain = client.get("/no-such-page/")
secure = client.get("/healthz", secure=True)
proxied = client.get("/healthz", HTTP_X_FORWARDED_PROTO="https")
health_over_http = client.get("/healthz")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "hsts": secure.get("Strict-Transport-Security"),
    "proxied_hsts": proxied.get("Strict-Transport-Security"),
    "health_over_http": health_over_http.status_code,
    "csp": secure.get("Content-Security-Policy"),
}))
"""


@pytest.fixture(scope="module")
def production():
    result = django_run(PRODUCTION_REQUESTS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pages_carry_the_content_security_policy(client):
    # The policy is built once, from the accounts host configured at start-up.
    accounts = urlsplit(configured.BUTTERFLYMX_ACCOUNTS_URL)
    response = client.get(reverse("account_login"))

    assert policy(response) == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", f"{accounts.scheme}://{accounts.netloc}"],
        "frame-ancestors": ["'none'"],
    }


def test_pages_carry_the_other_security_headers(resident_client):
    response = resident_client.get(reverse("home"))

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    features = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


def test_form_action_allows_the_butterflymx_accounts_origin():
    result = django_run(
        "from csp.utils import build_policy; print(build_policy())",
        BUTTERFLYMX_CLIENT_ID="foyer-production-client",
        BUTTERFLYMX_CLIENT_SECRET="production-client-secret",
        BUTTERFLYMX_ACCOUNTS_URL="https://accounts.butterflymx.example:8443/oauth/",
    )

    assert result.returncode == 0, result.stderr
    directives = {
        name: values for name, *values in (part.split() for part in result.stdout.split(";"))
    }
    assert directives["form-action"] == ["'self'", "https://accounts.butterflymx.example:8443"]


def test_production_redirects_plain_http_to_https(production):
    status, location = production["plain"]

    assert status == 301
    assert location == "https://foyer.example/no-such-page/"


def test_production_sends_hsts_over_https_and_behind_the_proxy(production):
    assert production["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert production["proxied_hsts"] == production["hsts"]
    assert "frame-ancestors 'none'" in production["csp"]


def test_production_answers_the_health_check_over_plain_http(production):
    assert production["health_over_http"] in {200, 503}


DEPLOY_CHECK = (
    "from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
)
REAL_UPSTREAMS = {
    "BUTTERFLYMX_CLIENT_ID": "foyer-production-client",
    "BUTTERFLYMX_CLIENT_SECRET": "production-client-secret",
    "BUTLR_CLIENT_ID": "foyer-production-butlr",
    "BUTLR_CLIENT_SECRET": "production-butlr-secret",
}
VAPID = {
    "VAPID_PUBLIC_KEY": "production-vapid-public-key",
    "VAPID_PRIVATE_KEY": "production-vapid-private-key",
    "VAPID_SUBJECT": "mailto:ops@foyer.example",
}


def test_deploy_checks_pass_under_production_settings():
    result = django_run(
        DEPLOY_CHECK,
        REDIS_URL="redis://127.0.0.1:6379/0",
        TRUSTED_PROXY_COUNT="1",
        **REAL_UPSTREAMS,
        **VAPID,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_checks_fail_without_a_shared_cache_or_the_real_upstreams():
    result = django_run(DEPLOY_CHECK)

    assert result.returncode != 0
    for problem in ("foyer.E003", "foyer.E004"):
        assert problem in result.stderr


def test_htmx_injects_no_inline_style(client):
    html = client.get(reverse("account_login")).content.decode()

    found = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert found, "base.html sets no htmx-config"
    assert json.loads(found.group(1))["includeIndicatorStyles"] is False


@pytest.mark.parametrize("template", sorted((ROOT / "templates").rglob("*.html")), ids=str)
def test_templates_have_no_inline_code(template):
    assert inline_code(template.read_text()) == []


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_public_pages_have_no_inline_code(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize("name", ["home", "account", "account_email"])
def test_resident_pages_have_no_inline_code(resident_client, name):
    response = resident_client.get(reverse(name))

    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize(
    "name", ["mfa_index", "mfa_add_webauthn", "mfa_activate_totp", "mfa_list_webauthn"]
)
def test_two_factor_pages_have_no_inline_code(resident_client, password, name):
    # Adding a factor asks for the password again first.
    resident_client.post(reverse("account_reauthenticate"), {"password": password})

    response = resident_client.get(reverse(name))

    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


def test_passkeys_run_from_allauths_static_scripts(client, manager, password):
    login = client.get(reverse("account_login")).content.decode()
    assert "Sign in with a passkey" in login
    assert '<script src="/static/mfa/js/webauthn.js">' in login

    # The second step of a manager's sign-in offers the passkey too.
    step = client.post(
        reverse("account_login"), {"login": manager.email, "password": password}, follow=True
    )
    assert step.wsgi_request.path == reverse("mfa_authenticate")
    html = step.content.decode()
    assert '<script src="/static/mfa/js/webauthn.js">' in html
    assert inline_code(html) == []


@pytest.mark.django_db(databases=["default", "sandbox"])
def test_sandbox_consent_page_works_under_the_policy(client, settings, bmx_world):
    settings.SANDBOX_BUTTERFLYMX_REDIRECT_URIS = [CALLBACK]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"verifier" * 8).digest()).rstrip(b"=")
    params = {
        "client_id": settings.SANDBOX_BUTTERFLYMX_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "state": "state-123",
        "scope": "public",
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    url = "/sandbox/butterflymx/accounts/oauth/authorize"

    page = client.get(url, params)
    html = page.content.decode()
    person = re.search(r'name="person" value="(\d+)"', html).group(1)
    approved = client.post(url, {**params, "person": person, "decision": "approve"})

    assert page.status_code == 200
    assert policy(page)["form-action"][0] == "'self'"
    assert inline_code(html) == []
    # The form posts back to the page itself, which 'self' allows.
    assert re.search(r"<form method=\"post\" class=\"stack\">", html)
    assert approved.status_code == 302
    assert approved["Location"].startswith(CALLBACK)
