"""Fixtures for the ButterflyMX client's tests against `responses`."""

import pytest
import responses


@pytest.fixture
def api():
    """ButterflyMX as `responses` plays it: every call must be answered by the test."""
    with responses.RequestsMock() as mock:
        yield mock
