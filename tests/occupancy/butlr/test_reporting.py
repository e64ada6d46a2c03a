"""Tests of the reporting query builders and the parser of every answer shape."""

import itertools
import pickle
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from occupancy.butlr.errors import BadResponse
from occupancy.butlr.reporting import ReportingQuery, Stats, Window, reporting_parse

NEW_YORK = ZoneInfo("America/New_York")
T1 = "2026-11-23T09:00:00-05:00"
T2 = "2026-11-23T09:05:00-05:00"


def _stats(value, incomplete=False):
    leaf = {"sum": value, "min": value, "max": value, "count": 1, "mean": value}
    leaf.update({"median": value, "stddev": 0, "first": value, "last": value})
    if incomplete:
        leaf["data_incomplete"] = True
    return leaf


def test_a_query_body_has_every_part():
    start = datetime(2026, 11, 23, 0, 0, tzinfo=NEW_YORK)
    query = ReportingQuery(
        measurement="room_occupancy",
        start=start,
        stop=start + timedelta(days=1),
        spaces=("space_1",),
        group_by=("room_id", "time"),
        window=Window(every="5m", function="max", timezone="America/New_York"),
    )

    assert query.body() == {
        "filter": {
            "measurements": ["room_occupancy"],
            "start": "2026-11-23T05:00:00Z",
            "stop": "2026-11-24T05:00:00Z",
            "value": {"gte": 0},
            "spaces": {"eq": ["space_1"]},
        },
        "group_by": {"order": ["room_id", "time"]},
        "window": {"every": "5m", "function": "max", "timezone": "America/New_York"},
    }


def test_a_query_without_grouping_or_window_leaves_them_out():
    start = datetime(2026, 11, 23, 12, tzinfo=UTC)
    body = ReportingQuery(
        measurement="traffic", start=start, stop=start + timedelta(hours=1)
    ).body()

    assert set(body) == {"filter"}
    assert "spaces" not in body["filter"]


@pytest.mark.parametrize(
    "change",
    [
        {"measurement": "occupancy"},
        {"start": datetime(2026, 11, 23, 12)},
        {"stop": datetime(2026, 11, 23, 11, tzinfo=UTC)},
        {"group_by": ("time", "time")},
        {"group_by": ("floor",)},
    ],
)
def test_bad_queries_are_refused(change):
    arguments = {
        "measurement": "floor_occupancy",
        "start": datetime(2026, 11, 23, 12, tzinfo=UTC),
        "stop": datetime(2026, 11, 23, 13, tzinfo=UTC),
    } | change

    with pytest.raises(ValueError):
        ReportingQuery(**arguments)


@pytest.mark.parametrize(
    "window", [{"every": "2m", "function": "max"}, {"every": "5m", "function": "p95"}]
)
def test_bad_windows_are_refused(window):
    with pytest.raises(ValueError):
        Window(**window)


def _nest(order, values):
    """The answer Butlr gives for ``order``: nested objects, one level per key."""
    data = {}
    for keys, value in values:
        node = data
        for name in order[:-1]:
            node = node.setdefault(keys[name], {})
        node[keys[order[-1]]] = _stats(value, incomplete=value == 7)
    return {"data": data}


KEY_VALUES = {
    "time": [T1, T2],
    "space_id": ["space_1", "space_2"],
    "room_id": ["room_a", "room_b"],
    "field": ["in", "out"],
    "building_id": ["building_1"],
}
ORDERS = [
    order
    for size in (1, 2, 3)
    for order in itertools.permutations(("time", "space_id", "room_id", "field"), size)
] + [("building_id", "space_id", "time")]


@pytest.mark.parametrize("order", ORDERS, ids="-".join)
def test_every_grouping_order_parses_to_its_keys(order):
    combos = list(itertools.product(*(KEY_VALUES[name] for name in order)))
    values = [
        (dict(zip(order, combo, strict=True)), index + 1) for index, combo in enumerate(combos)
    ]

    rows = reporting_parse(_nest(order, values), group_by=order)

    def key(keys):
        return tuple(sorted(keys.items()))

    assert sorted((key(row.keys), row.stats.max, row.data_incomplete) for row in rows) == sorted(
        (key(keys), value, value == 7) for keys, value in values
    )


def test_time_keys_become_aware_datetimes():
    rows = reporting_parse(_nest(("time",), [({"time": T2}, 4)]), group_by=("time",))

    assert rows[0].time == datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
    assert rows[0].time.utcoffset() == timedelta(hours=-5)


def test_the_seed_documents_example_parses():
    example = {
        "data": {
            "occupancy": {
                "sum": 26,
                "min": 1,
                "max": 3,
                "count": 12,
                "mean": 2.1666666666666665,
                "median": 3,
                "stddev": 0.7993052538854533,
            }
        }
    }

    (row,) = reporting_parse(example, group_by=("space_id", "field"))

    assert row.keys == {"field": "occupancy"}
    assert row.stats == Stats(
        sum=26, min=1, max=3, count=12, mean=2.1666666666666665, median=3,
        stddev=0.7993052538854533,
    )  # fmt: skip
    assert row.data_incomplete is False


def test_a_shallower_answer_names_its_keys_by_their_look():
    answer = {"data": {"space_1": {T1: _stats(2)}, "room_b": {"in": _stats(3)}}}

    rows = reporting_parse(answer, group_by=("building_id", "space_id", "time", "field"))

    assert sorted(tuple(sorted(row.keys.items())) for row in rows) == [
        (("field", "in"), ("room_id", "room_b")),
        (("space_id", "space_1"), ("time", T1)),
    ]


def test_a_single_leaf_without_grouping_parses():
    (row,) = reporting_parse({"data": _stats(5)})

    assert row.keys == {}
    assert row.stats.mean == 5


def test_the_flat_list_without_grouping_parses():
    answer = {
        "data": [
            {
                "field": "occupancy",
                "measurement": "room_occupancy",
                "time": T1,
                "value": 4,
                "building_id": "building_1",
                "building_name": "HQ",
                "space_id": "space_1",
                "space_name": "Floor 1",
                "room_id": "room_a",
                "room_name": "Atrium",
                "zone_id": None,
                "zone_name": None,
                "data_incomplete": True,
                "null_percentage": 0.4,
            },
            {"field": "occupancy", "time": T2, "value": None, "room_id": "room_a"},
        ]
    }

    first, second = reporting_parse(answer)

    assert first.keys == {
        "time": T1,
        "measurement": "room_occupancy",
        "field": "occupancy",
        "building_id": "building_1",
        "space_id": "space_1",
        "room_id": "room_a",
    }
    assert (first.stats.mean, first.stats.max, first.stats.count) == (4, 4, 1)
    assert first.data_incomplete is True
    assert second.stats.mean is None
    assert second.stats.count == 0


def test_null_stats_of_an_empty_window_parse():
    leaf = {"sum": None, "min": None, "max": None, "count": 0, "mean": None}
    (row,) = reporting_parse({"data": {"room_a": leaf}}, group_by=("room_id",))

    assert row.stats.max is None
    assert row.stats.count == 0


def test_an_empty_answer_has_no_rows():
    assert reporting_parse({"data": {}}, group_by=("room_id", "time")) == []
    assert reporting_parse({"data": []}) == []


@pytest.mark.parametrize(
    "answer",
    [
        [],
        {"error": "x"},
        {"data": "nope"},
        {"data": {"room_a": 3}},
        {"data": {"room_a": {"max": "three"}}},
        {"data": {"room_a": {"max": True}}},
        {"data": {"room_a": {"mean": 2.5, "max": [3]}}},
        {"data": {"2026-13-45T99:00:00Z": {"max": 1}}},
        {"data": [{"time": "yesterday", "value": 1}]},
        {"data": [3]},
    ],
)
def test_malformed_answers_are_bad_responses(answer):
    with pytest.raises(BadResponse):
        rows = reporting_parse(answer, group_by=("time",))
        [row.time for row in rows]


def test_rows_survive_the_cache_whole():
    answer = {
        "data": {
            "space_a": {
                "2026-11-23T10:00:00-05:00": {
                    "sum": 6,
                    "max": 4,
                    "mean": 2.5,
                    "count": 2,
                    "data_incomplete": True,
                    "null_percentage": 0.25,
                },
                "2026-11-23T11:00:00-05:00": {"mean": None, "count": 0},
            }
        }
    }
    rows = reporting_parse(answer, group_by=("space_id", "time"))

    kept = pickle.loads(pickle.dumps(rows, pickle.HIGHEST_PROTOCOL))

    assert kept == rows
    assert kept[0] != kept[1]
    assert [row.time for row in kept] == [row.time for row in rows]
    assert kept[0].time == datetime(2026, 11, 23, 15, tzinfo=UTC)
    assert (kept[0].stats.mean, kept[0].stats.median, kept[0].unreliable) == (2.5, None, False)
    assert kept[1].stats == Stats(count=0)
