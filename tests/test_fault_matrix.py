"""The fault matrix: every upstream call path under every fault, as a person meets it.

The table (expected status, words, tokens and history per case) is in
tests/fault_matrix_paths.py; each case here drives one page through the sandboxes over real
HTTP with one upstream call failing.
"""

from __future__ import annotations

import csv
import html
import io
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from occupancy.butlr.client import TOKEN_KEY
from residents.crypto import token_decrypt
from residents.models import ButterflyMXConnection, DoorEvent
from tests.factories import connection_change
from tests.fault_matrix_paths import (
    BUTLR_HANG_SECONDS,
    BUTLR_NOTICES,
    BUTLR_PATHS,
    BUTLR_READ_TIMEOUT,
    BUTTERFLYMX_PATHS,
    CSV,
    CSV_UNAVAILABLE,
    DASHBOARD,
    DELETED,
    EVERY_CALL,
    FAULTS,
    HEATMAP_STALE,
    LEAKS,
    NO_FIGURES,
    POLL,
    READ_TIMEOUT,
    REFUSED_GRANT,
    ROTATED,
    SAME,
    STALE,
    ButlrPath,
    ButterflyMXPath,
    Fault,
)
from tests.residents.butterflymx_flow import callback, connect_start, consent
from tests.residents.conftest import connection_create

HTMX = {"HTTP_HX_REQUEST": "true"}
DASHBOARD_URL = reverse("occupancy:dashboard")
CSV_URL = reverse("occupancy:dashboard_csv")
# 10:32:30 in New York, where the Butlr sandbox's site is.
MOMENT = datetime(2026, 11, 23, 15, 32, 30, tzinfo=UTC)
# Far enough for new "now" figures, a new 5-minute window and new detections.
LATER = timedelta(minutes=3)


def closed_port_url(path: str) -> str:
    """A URL where nothing listens: the port was free a moment ago and is closed again."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def page_text(response) -> str:
    """What a person reads on the page: its text without the markup."""
    text = re.sub(r"<[^>]*>", " ", response.content.decode())
    return " ".join(html.unescape(text).split())


def assert_readable(response, words: str | None, *, secrets: tuple[str, ...] = ()) -> str:
    """The page says ``words`` and nothing of the error behind it; returns its text."""
    text = page_text(response)
    if words is not None:
        assert words in text
    source = html.unescape(response.content.decode())
    leaked = [leak for leak in LEAKS if re.search(leak, source)]
    assert leaked == []
    for secret in secrets:
        assert secret not in source
    return text


def inject(fault: Fault, *, endpoint: str, url_setting: str, sandbox_fault, settings) -> None:
    """Make the sandbox endpoint fail, or point the client's URL setting where nobody listens."""
    if fault.sandbox is None:
        path = urlsplit(getattr(settings, url_setting)).path
        setattr(settings, url_setting, closed_port_url(path))
    else:
        sandbox_fault(endpoint=endpoint, **fault.sandbox)


# ButterflyMX.


@pytest.fixture
def rosa(resident, bmx_sandbox):
    """A resident connected as the sandbox's Rosa (two homes) with a fresh token pair."""
    tokens = bmx_sandbox.issue_tokens(bmx_sandbox.world.rosa)
    connection_create(user=resident, person=bmx_sandbox.world.rosa, tokens=tokens)
    return resident


@dataclass(frozen=True)
class Visit:
    """How a resident meets one path: ``act`` makes the request that meets the fault;
    a redirect must land on ``landing``."""

    act: Callable
    landing: str | None = None


def _doors_url(world) -> str:
    tenant = world.rosa_harbor
    return reverse("doors", args=[tenant.building_id, tenant.pk])


def _unlock_url(world) -> str:
    tenant, door = world.rosa_harbor, world.harbor_front_door
    return reverse("door_unlock", args=[tenant.building_id, tenant.pk, "access_point", door.pk])


def _token_exchange(client, world, user) -> Visit:
    # A resident whose connection needs renewing connects again; the exchange fails.
    connection_change(user, needs_reconnect=True)
    callback_url = consent(connect_start(client), person=world.rosa)
    return Visit(lambda: callback(client, callback_url))


def _refresh(client, world, user) -> Visit:
    soon = timezone.now() + timedelta(seconds=30)
    connection_change(user, expires_at=soon)
    return Visit(lambda: client.get(reverse("home")))


def _tenants(client, world, user) -> Visit:
    return Visit(lambda: client.get(reverse("home")))


def _doors(client, world, user) -> Visit:
    assert client.get(reverse("home")).status_code == 200  # the tenancies are cached
    return Visit(lambda: client.get(_doors_url(world)))


def _release_htmx(client, world, user) -> Visit:
    assert client.get(_doors_url(world)).status_code == 200  # the doors are cached
    return Visit(lambda: client.post(_unlock_url(world), **HTMX))


def _release_plain(client, world, user) -> Visit:
    assert client.get(_doors_url(world)).status_code == 200
    return Visit(lambda: client.post(_unlock_url(world)), landing=_doors_url(world))


def _revoke(client, world, user) -> Visit:
    return Visit(lambda: client.post(reverse("butterflymx_disconnect")), landing=reverse("account"))


VISITS = {
    "token exchange": _token_exchange,
    "refresh": _refresh,
    "tenants": _tenants,
    "doors: access points": _doors,
    "doors: devices": _doors,
    "door release (htmx)": _release_htmx,
    "door release (plain)": _release_plain,
    "revoke": _revoke,
}


def _ciphertexts(user) -> tuple[str, str] | None:
    connection = ButterflyMXConnection.objects.filter(user=user).first()
    if connection is None:
        return None
    return connection.access_token_ciphertext, connection.refresh_token_ciphertext


def _butterflymx_cases():
    for path in BUTTERFLYMX_PATHS:
        for name in path.expect:
            yield pytest.param(path, name, id=f"{path.name} / {name}")


def test_every_butterflymx_path_meets_every_fault():
    for path in BUTTERFLYMX_PATHS:
        assert set(FAULTS) <= set(path.expect), path.name
    assert set(VISITS) == {path.name for path in BUTTERFLYMX_PATHS}


@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
@pytest.mark.parametrize(("path", "fault_name"), _butterflymx_cases())
def test_butterflymx_fault(
    path: ButterflyMXPath,
    fault_name,
    bmx_sandbox,
    rosa,
    client,
    settings,
):
    expect = path.expect[fault_name]
    fault = FAULTS.get(fault_name, REFUSED_GRANT)
    user = rosa
    client.force_login(user)
    visit = VISITS[path.name](client, bmx_sandbox.world, user)
    before = _ciphertexts(user)
    secrets = tuple(token_decrypt(ciphertext) for ciphertext in before)
    if fault_name == "timeout":
        settings.BUTTERFLYMX_READ_TIMEOUT = READ_TIMEOUT
        settings.BUTTERFLYMX_RELEASE_READ_TIMEOUT = READ_TIMEOUT
        settings.BUTTERFLYMX_TOKEN_READ_TIMEOUT = READ_TIMEOUT
        settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = READ_TIMEOUT
    inject(
        fault,
        endpoint=path.endpoint,
        url_setting=path.url_setting,
        sandbox_fault=bmx_sandbox.fault,
        settings=settings,
    )

    response = visit.act()

    assert response.status_code == expect.status
    if expect.status == 302:
        assert response.url == visit.landing
        response = client.get(response.url)
        assert response.status_code == 200
    assert_readable(response, expect.words, secrets=secrets)

    after = _ciphertexts(user)
    if expect.tokens == DELETED:
        assert after is None
    else:
        assert after is not None
        if expect.tokens == SAME:
            assert after == before
        else:
            assert expect.tokens == ROTATED
            assert after[0] != before[0]
            assert after[1] != before[1]
        connection = ButterflyMXConnection.objects.get(user=user)
        assert connection.needs_reconnect is expect.needs_reconnect

    events = list(DoorEvent.objects.filter(user=user))
    if expect.outcome is None:
        assert events == []
        return
    assert [(event.outcome, event.error_code) for event in events] == [
        (expect.outcome, expect.error_code)
    ]
    sent = {"401": 2, "refused connection": 0}.get(fault_name, 1)
    assert bmx_sandbox.calls("butterflymx.door_release") == sent  # a release is never retried
    tenant = bmx_sandbox.world.rosa_harbor
    history = page_text(client.get(reverse("history", args=[tenant.building_id, tenant.pk])))
    assert f"{events[0].door_name} · you, with Foyer" in history
    assert events[0].get_error_code_display() in history


# Butlr.


@pytest.fixture
def butlr(butlr_sandbox, settings, transactional_db):
    """The Butlr sandbox with patient timeouts and quick retries; a hang shortens them."""
    settings.BUTLR_CONNECT_TIMEOUT = 2
    settings.BUTLR_READ_TIMEOUT = 5
    settings.BUTLR_RETRIES = 2
    settings.BUTLR_RETRY_BACKOFF = 0.01
    settings.BUTLR_RETRY_AFTER_MAX = 0.5
    return butlr_sandbox


def _butlr_cases():
    for path in BUTLR_PATHS:
        for name in FAULTS:
            yield pytest.param(path, name, id=f"{path.name} / {name}")


def _butlr_break(path: ButlrPath, fault: Fault, butlr, settings) -> ButlrPath:
    """Make the path's call fail; returns the path whose expectations now hold."""
    if fault.sandbox is None:
        settings.BUTLR_API_URL = closed_port_url("/sandbox/butlr")
        return EVERY_CALL
    sandbox_fault = dict(fault.sandbox)
    if fault.name == "timeout":
        settings.BUTLR_READ_TIMEOUT = BUTLR_READ_TIMEOUT
        sandbox_fault["hang_seconds"] = BUTLR_HANG_SECONDS
    butlr.fault(endpoint=path.endpoint, **sandbox_fault)
    return path


def _expire(path: ButlrPath) -> None:
    """Drop what Foyer keeps for longer than the minutes that pass, so the path is called."""
    if path.name == "login":
        cache.delete(TOKEN_KEY)
    if path.name == "topology":
        cache.delete("occupancy:topology")


def _pages(client) -> dict:
    return {
        DASHBOARD: client.get(DASHBOARD_URL),
        POLL: client.get(DASHBOARD_URL, **HTMX),
        CSV: client.get(CSV_URL),
    }


def _csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def _figures(board, path: ButlrPath) -> list:
    """What the page shows from this path's answers."""
    if path.name == "topology":
        return [board.building.name, [floor.name for floor in board.building.floors]]
    if path.name == "detections":
        return [view.total for view in board.heatmap.sensors]
    return [[card.current for card in board.floors], [card.current for card in board.rooms]]


def test_every_butlr_path_meets_every_fault():
    assert set(FAULTS) == set(BUTLR_NOTICES)
    assert {path.endpoint for path in BUTLR_PATHS} == {
        "butlr.login",
        "butlr.graphql",
        "butlr.reporting",
        "butlr.detections",
    }


# The Butlr half is the slow half of the matrix: each case renders the whole dashboard.
@pytest.mark.slow
@pytest.mark.parametrize(("path", "fault_name"), _butlr_cases())
def test_butlr_fault_after_good_figures(
    path: ButlrPath, fault_name, butlr, manager_client, settings
):
    with time_machine.travel(MOMENT, tick=False) as clock:
        good = manager_client.get(DASHBOARD_URL)
        assert good.context["board"].freshness.problem is None
        clock.shift(LATER)
        _expire(path)
        failing = _butlr_break(path, FAULTS[fault_name], butlr, settings)
        pages = _pages(manager_client)

    for name in (DASHBOARD, POLL):
        assert pages[name].status_code == 200, name
        text = assert_readable(pages[name], None)
        if name in failing.pages and path.name == "detections" and FAULTS[fault_name].sandbox:
            # Only the heatmap is old: it says so itself, and the figures above stay fresh.
            # (With nothing listening at Butlr's address, every figure is old.)
            assert HEATMAP_STALE.format(time="10:32") in text
            assert STALE.format(time="10:32") not in text
        elif name in failing.pages:
            assert BUTLR_NOTICES[fault_name] in text
            assert STALE.format(time="10:32") in text
        else:
            assert pages[name].context["board"].freshness.problem is None
    before = _figures(good.context["board"], path)
    assert _figures(pages[DASHBOARD].context["board"], path) == before
    assert pages[CSV].status_code == 200
    header, *rows = _csv_rows(pages[CSV])
    assert header[0] == "Time"
    assert rows


@pytest.mark.slow
@pytest.mark.parametrize(("path", "fault_name"), _butlr_cases())
def test_butlr_fault_before_any_figures(
    path: ButlrPath, fault_name, butlr, manager_client, settings
):
    with time_machine.travel(MOMENT, tick=False):
        if fault_name == "timeout":
            # The sandbox computes a day's series once; only the hung call may be slow.
            assert manager_client.get(DASHBOARD_URL).status_code == 200
            cache.clear()
        failing = _butlr_break(path, FAULTS[fault_name], butlr, settings)
        pages = _pages(manager_client)

    for name in (DASHBOARD, POLL):
        assert pages[name].status_code == 200, name
        text = assert_readable(pages[name], None)
        if name not in failing.pages:
            assert pages[name].context["board"].freshness.problem is None
        elif failing.without_figures is None:
            assert BUTLR_NOTICES[fault_name] in text
            assert NO_FIGURES in text
        else:
            assert failing.without_figures in text
            assert pages[name].context["board"].freshness.problem is None
    download = pages[CSV]
    assert download.status_code == failing.csv_without_figures
    if download.status_code == 503:
        assert download["Retry-After"] == "60"
        assert_readable(download, CSV_UNAVAILABLE)
    else:
        assert _csv_rows(download)[1:]
