"""The dashboard's body is rendered once for every manager with the same choices, and again
as soon as anything on it changes: the figures, how current they are, a choice, the minute."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template import loader_tags
from django.urls import reverse

from tests.occupancy.conftest import FLOOR_1, FLOOR_2, ROOM_B

pytestmark = pytest.mark.django_db

URL = reverse("occupancy:dashboard")
MOMENT = datetime(2026, 11, 23, 15, 2, 30, tzinfo=UTC)


def _main(response) -> str:
    return re.search(r"<main.*</main>", response.content.decode(), re.S)[0]


@pytest.fixture
def no_rendering(monkeypatch):
    """From now on, rendering the space cards (an include of the page's body) fails."""

    def broken(self, context):
        raise AssertionError("the page's body was rendered again")

    def stop():
        monkeypatch.setattr(loader_tags.IncludeNode, "render", broken)

    return stop


def test_a_second_manager_in_the_same_minute_gets_the_body_already_rendered(
    manager_client, fake_butlr, no_rendering
):
    with time_machine.travel(MOMENT, tick=False):
        first = manager_client.get(URL)
        no_rendering()
        second = manager_client.get(URL)

    assert second.status_code == 200
    assert _main(second) == _main(first)


def test_another_choice_is_rendered_for_itself(manager_client, fake_butlr, no_rendering):
    with time_machine.travel(MOMENT, tick=False):
        manager_client.get(f"{URL}?floor={FLOOR_1}")
        no_rendering()
        with pytest.raises(AssertionError, match="rendered again"):
            manager_client.get(f"{URL}?floor={FLOOR_2}")
        with pytest.raises(AssertionError, match="rendered again"):
            manager_client.get(f"{URL}?floor={FLOOR_1}&room={ROOM_B}")
        with pytest.raises(AssertionError, match="rendered again"):
            manager_client.get(f"{URL}?floor={FLOOR_1}&range=7d")


def test_the_next_minute_shows_its_own_clock(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False) as clock:
        pages = [manager_client.get(URL).content.decode()]
        clock.shift(timedelta(seconds=60))
        pages.append(manager_client.get(URL).content.decode())

    clocks = [re.search(r"last checked <time [^>]*>([0-9:]+)</time>", page)[1] for page in pages]
    assert clocks[1] != clocks[0]


def test_new_figures_show_at_once(manager_client, fake_butlr):
    with time_machine.travel(MOMENT, tick=False) as clock:
        first = manager_client.get(URL)
        fake_butlr.offset = 40
        # The five-minute figures are asked again once their window closes.
        clock.shift(timedelta(minutes=5))
        later = manager_client.get(URL)

    assert later.context["board"].stamps["chart"] != first.context["board"].stamps["chart"]
    assert _main(later) != _main(first)
