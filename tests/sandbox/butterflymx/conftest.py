"""Helpers for the sandbox ButterflyMX tests: the API as a person, and a fixed clock."""

import json
from datetime import UTC, datetime

import pytest
import time_machine

from sandbox.butterflymx.services import token_issue

API = "/sandbox/butterflymx/api"
# A moment long after the seed time, so that every new row is the newest.
NOW = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def as_person(client):
    """A GET helper with a valid bearer token for a person."""

    def get(person, path, params=None):
        token = token_issue(person=person)["access_token"]
        return client.get(f"{API}{path}", params, headers={"Authorization": f"Bearer {token}"})

    return get


@pytest.fixture
def release(client):
    """Open a door through the API as a person: release(person, tenant, access_point_id=...)."""

    def post(person, tenant, **door):
        token = token_issue(person=person)["access_token"]
        response = client.post(
            f"{API}/v4/door_release_requests",
            json.dumps({"door_release_request": {"tenant_id": tenant.id, **door}}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.content
        return response.json()["data"]

    return post
