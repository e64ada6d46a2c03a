"""Log lines: JSON or plain, and no token or secret ever in them, from Django or gunicorn."""

import http.client
import json
import logging
import os
import runpy
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import logging as foyer_logging
from config.logging import JsonFormatter, RedactFilter, formatter_config
from tests.production import PRODUCTION, ROOT, django_run

# Production, with secrets of Foyer's own for the redaction to find.
SECRETS = {
    "ALLOWED_HOSTS": "127.0.0.1,foyer.example",
    "TOKEN_ENCRYPTION_KEYS": "uXZ0eQ8mB5m3h7v1kZ9Qe6Cq2yM0a4d8f1g3h5j7k9I=,"
    "Zm9yZXZlci1vbGQta2V5LWZvci1yb3RhdGlvbi0xMjM0NQ==",
    "BUTLR_CLIENT_ID": "production-butlr-client",
    "BUTLR_CLIENT_SECRET": "production-butlr-secret-value",
}
TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.dG9rZW4tc2lnbmF0dXJl"
REFRESH = "refresh-0a1b2c3d4e5f"
CODE = "authorization-code-9f8e7d"
PLAIN = logging.Formatter("%(levelname)s %(name)s %(message)s")
FORMATTERS = [PLAIN, JsonFormatter()]
LEAKS = [
    f"ButterflyMX answered 401 to Authorization: Bearer {TOKEN}",
    f"token response {{'access_token': '{TOKEN}', 'refresh_token': '{REFRESH}'}}",
    f'body {{"access_token": "{TOKEN}", "refresh_token": "{REFRESH}", "expires_in": 7200}}',
    f'upstream said "{{\\"access_token\\": \\"{TOKEN}\\"}}"',
    f"POST body grant_type=refresh_token&refresh_token={REFRESH}&client_secret={TOKEN}",
    f"GET /accounts/butterflymx/login/callback/?code={CODE}&state=abc HTTP/1.1",
    f"revoking token={TOKEN}&token_type_hint=refresh_token",
    f"signup with password={REFRESH} refused",
]
ORDINARY = [
    "ButterflyMX GET /v4/tenants -> 200 in 41 ms",
    "Butlr /api/v3/reporting answered 503 (attempt 2)",
    "Logged in to Butlr; token renews in 3300 s",
    "Not Found: /doors/7/3/",
    "status_code=500 zip_code=10001 token_type_hint=refresh_token",
    "the bearer of good news",
    'tenants {"id": 27865, "unit": "4B"}',
]


def record(message, *args, exc_info=None, **extra):
    entry = logging.LogRecord(
        "residents.services", logging.WARNING, __file__, 1, message, args, exc_info
    )
    entry.__dict__.update(extra)
    return entry


def written(formatter, entry) -> str:
    """The line a handler with Foyer's filter and this formatter writes."""
    assert RedactFilter().filter(entry)
    return formatter.format(entry)


def written_with(redact: RedactFilter, message: str) -> str:
    entry = record(message)
    assert redact.filter(entry)
    return entry.getMessage()


def exception_info(message):
    try:
        raise RuntimeError(message)
    except RuntimeError:
        return sys.exc_info()


@pytest.fixture
def secrets(settings):
    settings.SECRET_KEY = "configured-django-secret-key-for-tests-0123456789"
    settings.BUTTERFLYMX_CLIENT_SECRET = "configured-butterflymx-secret"
    settings.BUTLR_CLIENT_SECRET = "configured-butlr-secret"
    settings.TOKEN_ENCRYPTION_KEYS = [
        "bmV3ZXN0LWtleS1mb3ItdGVzdHM=",
        "b2xkZXIta2V5LWZvci10ZXN0cw==",
    ]
    return [
        settings.SECRET_KEY,
        settings.BUTTERFLYMX_CLIENT_SECRET,
        settings.BUTLR_CLIENT_SECRET,
        *settings.TOKEN_ENCRYPTION_KEYS,
    ]


@pytest.mark.parametrize("formatter", FORMATTERS, ids=["plain", "json"])
@pytest.mark.parametrize("message", LEAKS)
def test_tokens_are_redacted_from_messages(formatter, message):
    line = written(formatter, record(message))

    for secret in (TOKEN, REFRESH, CODE):
        assert secret not in line
    assert "[redacted]" in line


@pytest.mark.parametrize("formatter", FORMATTERS, ids=["plain", "json"])
@pytest.mark.parametrize(
    "message",
    [
        'virtual key {"id": 9101, "pin_code": "731948", "qr_code_url": "https://qr.test/f3a9",'
        ' "instructions_url": "https://bmx.test/visitor/9c8b"}',
        "{'pin_code': 731948, 'qr_code_url': 'https://qr.test/f3a9'}",
        "POST /passes/ name=Ana&pin_code=731948&instructions_url=https://bmx.test/visitor/9c8b",
    ],
)
def test_visitor_pass_codes_and_links_are_redacted(formatter, message):
    line = written(formatter, record(message))

    for secret in ("731948", "https://qr.test/f3a9", "https://bmx.test/visitor/9c8b"):
        assert secret not in line
    assert "[redacted]" in line


@pytest.mark.parametrize("formatter", FORMATTERS, ids=["plain", "json"])
def test_configured_secrets_are_redacted_wherever_they_appear(formatter, secrets):
    message = "settings: " + " / ".join(f"value {value}." for value in secrets)

    line = written(formatter, record(message))

    for secret in secrets:
        assert secret not in line
    assert line.count("[redacted]") == len(secrets)


@pytest.mark.parametrize("formatter", FORMATTERS, ids=["plain", "json"])
def test_tokens_and_secrets_are_redacted_from_tracebacks(formatter, secrets):
    exc_info = exception_info(f"refresh failed for Bearer {TOKEN} with {secrets[2]}")

    line = written(formatter, record("refresh failed", exc_info=exc_info))

    assert "Traceback (most recent call last)" in line
    assert "RuntimeError: refresh failed for Bearer [redacted] with [redacted]" in (
        line if formatter is PLAIN else json.loads(line)["exception"]
    )
    assert TOKEN not in line
    assert secrets[2] not in line


def test_extras_are_redacted_and_objects_left_out():
    line = written(
        JsonFormatter(),
        record(
            "Unlock answered",
            request_id="req-42",
            status_code=201,
            upstream=f"Bearer {TOKEN}",
            request=object(),
        ),
    )

    entry = json.loads(line)
    assert entry["request_id"] == "req-42"
    assert entry["status_code"] == 201
    assert entry["upstream"] == "Bearer [redacted]"
    assert "request" not in entry


@pytest.mark.parametrize("message", ORDINARY)
def test_ordinary_messages_pass_unchanged(message):
    plain = written(logging.Formatter("%(message)s"), record(message))
    entry = json.loads(written(JsonFormatter(), record(message)))

    assert plain == message
    assert entry["message"] == message


def test_json_lines_carry_time_level_logger_and_message():
    line = JsonFormatter().format(record("Door released"))

    assert "\n" not in line
    entry = json.loads(line)
    assert set(entry) == {"time", "level", "logger", "message"}
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "residents.services"
    assert entry["time"].endswith("+00:00")


def test_gunicorn_style_access_lines_with_a_query_are_redacted():
    atoms = {
        "h": "10.0.0.1",
        "r": f"GET /accounts/butterflymx/login/callback/?code={CODE}&state=s1 HTTP/1.1",
        "s": "302",
    }
    access = logging.LogRecord(
        "gunicorn.access", logging.INFO, "", 0, '%(h)s "%(r)s" %(s)s', (atoms,), None
    )

    for formatter in FORMATTERS:
        line = written(formatter, access)
        assert CODE not in line
        assert "/accounts/butterflymx/login/callback/?code=[redacted]&state=s1" in line


@pytest.mark.parametrize("formatter", FORMATTERS, ids=["plain", "json"])
def test_tokens_in_the_arguments_are_redacted(formatter, secrets):
    entry = record("refresh answered %s for %s", f"refresh_token={REFRESH}", secrets[1])

    line = written(formatter, entry)

    assert REFRESH not in line
    assert secrets[1] not in line
    assert "refresh answered refresh_token=[redacted] for [redacted]" in line


def test_the_secrets_are_read_once_not_on_every_line(monkeypatch, secrets):
    reads = []
    read = foyer_logging._configured_secrets
    monkeypatch.setattr(foyer_logging, "_configured_secrets", lambda: reads.append(1) or read())
    redact = RedactFilter()

    lines = [written_with(redact, f"line {index}: {secrets[0]}") for index in range(3)]

    assert reads == [1]
    assert all(secrets[0] not in text for text in lines)


def test_the_secrets_are_read_again_once_djangos_settings_are_loaded(monkeypatch):
    # As in gunicorn's master: only the environment's secrets, until the settings load.
    answers = iter([(["environment-secret"], False), (["settings-secret-value"], True)])
    monkeypatch.setattr(foyer_logging, "_configured_secrets", lambda: next(answers))
    redact = RedactFilter()

    first = written_with(redact, "environment-secret settings-secret-value")
    second = written_with(redact, "environment-secret settings-secret-value")
    third = written_with(redact, "settings-secret-value")

    assert first == "[redacted] settings-secret-value"
    assert second == "environment-secret [redacted]"
    assert third == "[redacted]"  # and not read a third time: the iterator would be empty


def test_log_format_must_be_json_or_plain():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        formatter_config("yaml")


LOG_FROM_DJANGO = f"""
import logging
logging.getLogger("residents.services").warning("refresh answered %s", "refresh_token={REFRESH}")
logging.getLogger("django.request").error("Bad gateway for Bearer {TOKEN}")
logging.getLogger("occupancy.services").warning("login with production-butlr-secret-value")
logging.getLogger("residents.services").info("ButterflyMX GET /v4/tenants -> 200 in 41 ms")
"""


def test_production_logs_json_lines_to_stdout_redacted():
    result = django_run(LOG_FROM_DJANGO, **SECRETS)

    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert [entry["logger"] for entry in entries] == [
        "residents.services",
        "django.request",
        "occupancy.services",
        "residents.services",
    ]
    assert entries[0]["message"] == "refresh answered refresh_token=[redacted]"
    assert entries[1]["message"] == "Bad gateway for Bearer [redacted]"
    assert entries[2]["message"] == "login with [redacted]"
    assert entries[3]["message"] == "ButterflyMX GET /v4/tenants -> 200 in 41 ms"
    assert REFRESH not in result.stderr + result.stdout
    assert TOKEN not in result.stderr + result.stdout


def test_log_format_plain_is_honoured_in_production():
    result = django_run(LOG_FROM_DJANGO, LOG_FORMAT="plain", **SECRETS)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].endswith("WARNING residents.services refresh answered refresh_token=[redacted]")


def test_gunicorn_config_reads_the_environment(monkeypatch):
    # Set before deleting, so that what the config file sets is undone afterwards too.
    for name in ("DEBUG", "LOG_FORMAT"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.2")

    config = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))

    assert os.environ["DEBUG"] == "false"
    assert config["bind"] == "127.0.0.1:9123"
    assert config["workers"] == 3
    assert config["worker_class"] == "gthread"
    assert config["threads"] > 1
    assert config["timeout"] == 30
    assert config["forwarded_allow_ips"] == "10.0.0.2"
    logconfig = config["logconfig_dict"]
    assert logconfig["formatters"]["foyer"]["()"] == "config.logging.JsonFormatter"
    assert logconfig["filters"]["redact"]["()"] == "config.logging.RedactFilter"
    for handler in logconfig["handlers"].values():
        assert handler["filters"] == ["redact"]
    assert "%(U)s" in config["access_log_format"]
    for atom in ("%(r)s", "%(q)s", "%(f)s"):
        assert atom not in config["access_log_format"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_access_log_never_shows_the_callback_query():
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "LOG_FORMAT"}
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "config/gunicorn.conf.py",
            "config.wsgi",
        ],
        cwd=ROOT,
        env={
            **environment,
            **PRODUCTION,
            **SECRETS,
            "PORT": str(port),
            "WEB_CONCURRENCY": "1",
            "WEB_THREADS": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request(
                    "GET",
                    f"/accounts/butterflymx/login/callback/?code={CODE}&state=s1",
                    headers={"Referer": f"https://foyer.example/?code={CODE}"},
                )
                status = connection.getresponse().status
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        # The access line is written just after the response: wait for it before stopping.
        assert select.select([server.stdout], [], [], 10)[0], "no access line"
        first = server.stdout.readline()
    finally:
        server.terminate()
        out, err = server.communicate(timeout=20)

    assert status == 301
    access = [json.loads(line) for line in (first + out).splitlines()]
    assert [entry["logger"] for entry in access] == ["gunicorn.access"]
    assert '"GET /accounts/butterflymx/login/callback/ HTTP/1.1" 301' in access[0]["message"]
    assert CODE not in out + err
    assert any(json.loads(line)["message"].startswith("Listening at") for line in err.splitlines())


@pytest.mark.parametrize("formatter", FORMATTERS, ids=["plain", "json"])
def test_the_doorbell_webhooks_secret_is_redacted_from_access_lines(formatter):
    secret = "Zr4vQ8_kP2mN7xW1yT5bL9cH3dF6gJ0aS-eU4iO8pR2"
    line = written(
        formatter, record(f'127.0.0.1 - "POST /doorbell/webhook/{secret}/ HTTP/1.1" 200 0')
    )

    assert secret not in line
    assert "/doorbell/webhook/[redacted]/" in line
