"""The benchmark's virtual people: their sessions open the pages they load."""

import pytest
import responses
from django.conf import settings
from django.urls import reverse

from bench.setup import _manager_create

pytestmark = pytest.mark.django_db


def test_the_manager_opens_the_dashboard_where_a_second_factor_is_required(client):
    assert settings.MFA_REQUIRED_FOR_MANAGERS
    manager = _manager_create()
    client.cookies[settings.SESSION_COOKIE_NAME] = manager["session"]

    with responses.RequestsMock():  # Butlr answers nothing; the page still opens
        response = client.get(reverse("occupancy:dashboard"))

    assert response.status_code == 200
