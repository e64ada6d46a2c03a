"""Tests of the Butlr sandbox's kept answers: the same question is built and encoded once."""

import pytest
import time_machine

from sandbox.butlr import answers, views
from sandbox.butlr.answers import answers_forget

pytestmark = pytest.mark.django_db

NOW = "2026-11-20T17:00:00Z"


def _body(start="2026-11-20T13:00:00Z", measurement="room_occupancy"):
    return {
        "filter": {"measurements": [measurement], "start": start, "stop": "2026-11-20T16:00:00Z"},
        "window": {"every": "30m", "function": "max", "timezone": "America/New_York"},
        "group_by": {"order": ["room_id", "time"]},
    }


@pytest.fixture
def builds(monkeypatch):
    """Every reporting and detections answer built from now on, by kind."""
    answers_forget()
    built = []
    for name in ("report_build", "detections_build"):
        build = getattr(views, name)

        def counted(*, query, build=build, name=name):
            built.append(name)
            return build(query=query)

        monkeypatch.setattr(views, name, counted)
    with time_machine.travel(NOW, tick=False):
        yield built
    answers_forget()


def test_the_same_question_is_answered_as_before_without_building_it_again(builds, butlr_post):
    first = butlr_post("api/v3/reporting", _body())
    again = butlr_post("api/v3/reporting", _body())
    other = butlr_post("api/v3/reporting", _body(start="2026-11-20T14:00:00Z"))

    assert first.status_code == again.status_code == other.status_code == 200
    assert again.content == first.content
    assert other.json() != first.json()
    assert builds == ["report_build", "report_build"]


def test_detections_are_kept_apart_from_reporting(builds, butlr_post):
    body = {"data_types": ["detections_local"], "filter": {"start": "-10m"}}
    butlr_post("api/v3/detections", body)
    butlr_post("api/v3/detections", body)
    butlr_post("api/v3/reporting", _body())

    assert builds == ["detections_build", "report_build"]


def test_a_large_answer_is_not_kept(builds, butlr_post, monkeypatch):
    monkeypatch.setattr(answers, "LARGEST_BYTES", 10)
    butlr_post("api/v3/reporting", _body())
    butlr_post("api/v3/reporting", _body())

    assert builds == ["report_build", "report_build"]


def test_the_oldest_answers_make_room_for_new_ones(builds, butlr_post, monkeypatch):
    size = len(butlr_post("api/v3/reporting", _body()).content)
    other = len(butlr_post("api/v3/reporting", _body(measurement="floor_occupancy")).content)
    # Room for the newest answer alone: the first is dropped.
    monkeypatch.setattr(answers, "BUDGET_BYTES", max(size, other) + 1)
    butlr_post("api/v3/reporting", _body(start="2026-11-20T14:00:00Z"))
    butlr_post("api/v3/reporting", _body())

    assert builds == ["report_build"] * 4
