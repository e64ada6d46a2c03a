"""A ButterflyMX that cannot be reached at all: nothing was sent, so nothing happened."""

import socket

import pytest

from residents.butterflymx.client import ButterflyMXClient, DoorKind, Unreachable, UpstreamTimeout


@pytest.fixture
def closed_port_url(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.BUTTERFLYMX_API_URL = f"http://127.0.0.1:{port}"
    return settings.BUTTERFLYMX_API_URL


def test_a_refused_connection_is_unreachable(closed_port_url):
    with pytest.raises(Unreachable) as raised:
        ButterflyMXClient("a-token").door_release(
            tenant_id=1, kind=DoorKind.ACCESS_POINT, door_id=2
        )
    assert not isinstance(raised.value, UpstreamTimeout)
    assert "a-token" not in str(raised.value)


def test_a_refused_connection_on_a_list_is_unreachable_after_retries(closed_port_url, monkeypatch):
    with pytest.raises(Unreachable):
        ButterflyMXClient("a-token").tenants()
