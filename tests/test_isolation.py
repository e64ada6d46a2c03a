"""The suite reaches no server it did not start: no upstream, no development server."""

import socket

from django.conf import settings as django_settings

from tests.conftest import SERVICE_PORTS, SITE_PORT, unexpected_connections


def test_no_upstream_setting_names_a_host_that_can_answer(settings):
    hosts = {
        name: getattr(settings, name)
        for name in dir(django_settings)
        if name.endswith("_URL")
        and str(getattr(settings, name)).startswith(("http://", "https://"))
    }

    assert {"SITE_URL", "BUTTERFLYMX_API_URL", "BUTLR_API_URL"} <= set(hosts)
    assert [url for url in hosts.values() if ".invalid" not in url] == []


def test_a_connection_is_recorded(_no_unexpected_connections):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        address = probe.getsockname()
    with socket.socket() as attempt:
        assert attempt.connect_ex(address) != 0  # closed again: nobody answers

    assert address in _no_unexpected_connections


def test_the_site_port_and_other_machines_are_unexpected():
    assert 443 not in SERVICE_PORTS
    assert unexpected_connections(
        [
            ("127.0.0.1", SITE_PORT),
            ("::1", SITE_PORT, 0, 0),
            ("93.184.215.14", 443),
            ("127.0.0.1", 6379),
            ("::1", 41234, 0, 0),
            "/run/postgresql/.s.PGSQL.5432",
        ]
    ) == [("127.0.0.1", SITE_PORT), ("::1", SITE_PORT, 0, 0), ("93.184.215.14", 443)]
