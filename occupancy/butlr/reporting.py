"""Typed builders for Butlr reporting queries and a parser for any shape of their answers."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from occupancy.butlr.errors import BadResponse

MEASUREMENTS = frozenset(
    {
        "room_occupancy",
        "floor_occupancy",
        "zone_occupancy",
        "traffic_room_occupancy",
        "traffic_floor_occupancy",
        "traffic",
        "floor_presence_time_secs",
    }
)
GROUP_KEYS = frozenset({"time", "building_id", "space_id", "room_id", "zone_id", "field"})
WINDOW_EVERY = {
    "1m": 60,
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "6h": 21600,
    "12h": 43200,
    "1d": 86400,
    "1w": 604800,
}
WINDOW_FUNCTIONS = frozenset({"mean", "max", "min", "sum", "first", "last", "median"})
STAT_KEYS = ("sum", "min", "max", "count", "mean", "median", "stddev", "first", "last")
# What a statistic may be, exactly: JSON's numbers, or null.
_NUMBER_TYPES = (int, float, type(None))
_NUMBER_TYPE_SET = frozenset(_NUMBER_TYPES)
# Names Butlr uses for the fields of its measurements.
# Butlr's guidance: a figure with more than this share of readings missing is unreliable.
UNRELIABLE_ABOVE = 0.30
FIELDS = frozenset({"occupancy", "in", "out", "presence_time_secs", "value"})
_ID_PREFIXES = {
    "building_": "building_id",
    "space_": "space_id",
    "room_": "room_id",
    "zone_": "zone_id",
}
_POINT_KEYS = ("time", "measurement", "field", "building_id", "space_id", "room_id", "zone_id")


def rfc3339(moment: datetime) -> str:
    """An aware datetime as RFC 3339 in UTC, the form Butlr documents for absolute times."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Butlr times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Window:
    every: str
    function: str
    timezone: str | None = None

    def __post_init__(self):
        if self.every not in WINDOW_EVERY:
            raise ValueError(f"unknown window length {self.every!r}")
        if self.function not in WINDOW_FUNCTIONS:
            raise ValueError(f"unknown window function {self.function!r}")

    @property
    def seconds(self) -> int:
        return WINDOW_EVERY[self.every]

    def body(self) -> dict[str, str]:
        body = {"every": self.every, "function": self.function}
        if self.timezone:
            body["timezone"] = self.timezone
        return body


@dataclass(frozen=True)
class ReportingQuery:
    """One POST /api/v3/reporting: a measurement over [start, stop), filtered and grouped."""

    measurement: str
    start: datetime
    stop: datetime
    spaces: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    window: Window | None = None
    rooms: tuple[str, ...] = ()

    def __post_init__(self):
        if self.measurement not in MEASUREMENTS:
            raise ValueError(f"unknown measurement {self.measurement!r}")
        # Both ends must be aware datetimes before they can be compared.
        rfc3339(self.start)
        rfc3339(self.stop)
        if self.stop <= self.start:
            raise ValueError("a reporting query must stop after it starts")
        unknown = set(self.group_by) - GROUP_KEYS
        if unknown or len(set(self.group_by)) != len(self.group_by):
            raise ValueError(f"bad group_by order {self.group_by!r}")

    def body(self) -> dict[str, Any]:
        query_filter: dict[str, Any] = {
            "measurements": [self.measurement],
            "start": rfc3339(self.start),
            "stop": rfc3339(self.stop),
            # Without it Butlr drops zero readings, and an empty room is a reading too.
            "value": {"gte": 0},
        }
        if self.spaces:
            query_filter["spaces"] = {"eq": list(self.spaces)}
        if self.rooms:
            query_filter["rooms"] = {"eq": list(self.rooms)}
        body: dict[str, Any] = {"filter": query_filter}
        if self.group_by:
            body["group_by"] = {"order": list(self.group_by)}
        if self.window:
            body["window"] = self.window.body()
        return body


class Stats(NamedTuple):
    """A group's statistics over its windowed values; None where Butlr gave none. A tuple:
    answers of thousands of rows are parsed, cached and read back."""

    sum: float | None = None
    min: float | None = None
    max: float | None = None
    # Butlr's name for it, over tuple.count(), which a Stats never needs.
    count: float | None = None  # type: ignore[assignment]
    mean: float | None = None
    median: float | None = None
    stddev: float | None = None
    first: float | None = None
    last: float | None = None

    @classmethod
    def of_value(cls, value: float | None) -> Stats:
        if value is None:
            return cls(count=0)
        return cls(value, value, value, 1, value, value, 0.0, value, value)


class ReportingRow:
    """One group of the answer: the keys that identify it (time, space_id, room_id, field...)
    and the statistics over its windowed values.

    Not a dataclass: a frozen one's ``__init__`` costs several times more, and answers hold
    thousands of rows.
    """

    __slots__ = ("data_incomplete", "keys", "null_percentage", "stats", "time")

    keys: dict[str, str]
    stats: Stats
    data_incomplete: bool
    # The share of readings missing from the group (0 to 1), when Butlr says.
    null_percentage: float | None
    # The group's window start, read once from its "time" key.
    time: datetime | None

    def __init__(
        self,
        keys: dict[str, str],
        stats: Stats,
        data_incomplete: bool = False,
        null_percentage: float | None = None,
    ):
        self.keys = keys
        self.stats = stats
        self.data_incomplete = data_incomplete
        self.null_percentage = null_percentage
        value = keys.get("time")
        self.time = _parse_time(value) if value is not None else None

    @property
    def unreliable(self) -> bool:
        """Butlr's own rule: more than 30 % of readings missing makes a figure unreliable;
        without that share, its ``data_incomplete`` flag says so."""
        if self.null_percentage is not None:
            return self.null_percentage > UNRELIABLE_ABOVE
        return self.data_incomplete

    def get(self, key: str) -> str | None:
        return self.keys.get(key)

    def _fields(self) -> tuple[Any, ...]:
        return (self.keys, self.stats, self.data_incomplete, self.null_percentage)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReportingRow):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"ReportingRow(keys={self.keys!r}, stats={self.stats!r}, "
            f"data_incomplete={self.data_incomplete!r}, null_percentage={self.null_percentage!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Its fields alone, the figures flat (the time is read again from its key, faster
        # than unpickled): answers of thousands of rows are cached.
        return (_row, (self.keys, self.data_incomplete, self.null_percentage, *self.stats))


def _row(
    keys: dict[str, str], data_incomplete: bool, null_percentage: float | None, *figures: Any
) -> ReportingRow:
    return ReportingRow(keys, Stats._make(figures), data_incomplete, null_percentage)


def reporting_parse(payload: Any, *, group_by: tuple[str, ...] = ()) -> list[ReportingRow]:
    """Rows from a reporting answer, whatever nesting its ``group_by`` order produced.

    When the answer nests exactly as deep as the order asked for, each level takes its name
    from the order. Otherwise (the seed document's example answers ``["space_id", "field"]``
    with one level) each key is named by what it looks like: a timestamp, an id with its
    type prefix, or a field.
    """
    if not isinstance(payload, dict) or "data" not in payload:
        raise BadResponse("Butlr's reporting answer has no data")
    data = payload["data"]
    if data is None:
        return []
    if isinstance(data, list):
        return [_point_row(point) for point in data]
    if not isinstance(data, dict):
        raise BadResponse("Butlr's reporting data is neither a list nor an object")
    if _is_leaf(data):
        return [_leaf_row({}, data)]
    depth = _leaf_depth(data)
    names = list(group_by) if depth is None or depth == len(group_by) else None
    rows: list[ReportingRow] = []
    _walk(data, names, 0, {}, rows)
    return rows


def _walk(
    node: dict, names: list[str] | None, level: int, keys: dict, rows: list[ReportingRow]
) -> None:
    for key, child in node.items():
        if not isinstance(child, dict):
            raise BadResponse("Butlr's reporting data has an unexpected value")
        name = names[level] if names and level < len(names) else _key_name(key)
        here = {**keys, name: key}
        if _is_leaf(child):
            rows.append(_leaf_row(here, child))
        else:
            _walk(child, names, level + 1, here, rows)


def _leaf_depth(node: dict) -> int | None:
    if _is_leaf(node):
        return 0
    for child in node.values():
        if isinstance(child, dict):
            depth = _leaf_depth(child)
            if depth is not None:
                return depth + 1
    return None


def _is_leaf(node: dict) -> bool:
    # A plain loop, not any() over a generator: this runs for every node of answers of
    # thousands of rows.
    for key in STAT_KEYS:  # noqa: SIM110
        if key in node and type(node[key]) in _NUMBER_TYPES:
            return True
    return False


def _key_name(key: str) -> str:
    for prefix, name in _ID_PREFIXES.items():
        if key.startswith(prefix):
            return name
    if key in FIELDS:
        return "field"
    try:
        _parse_time(key)
    except BadResponse:
        return "field"
    return "time"


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadResponse("Butlr's reporting data has a value that is not a number")
    return value


def _leaf_row(keys: dict[str, str], leaf: dict) -> ReportingRow:
    values = list(map(leaf.get, STAT_KEYS))
    # Exact types: a bool (an int to isinstance) is no figure. Answers hold thousands of
    # leaves, so the check runs in C, over the values' types.
    if not _NUMBER_TYPE_SET.issuperset(map(type, values)):
        raise BadResponse("Butlr's reporting data has a value that is not a number")
    return ReportingRow(
        keys,
        Stats._make(values),
        bool(leaf.get("data_incomplete")),
        _share(leaf.get("null_percentage")),
    )


def _point_row(point: Any) -> ReportingRow:
    if not isinstance(point, dict):
        raise BadResponse("Butlr's reporting point is not an object")
    keys = {key: str(point[key]) for key in _POINT_KEYS if point.get(key) is not None}
    return ReportingRow(
        keys=keys,
        stats=Stats.of_value(_number(point.get("value"))),
        data_incomplete=bool(point.get("data_incomplete")),
        null_percentage=_share(point.get("null_percentage")),
    )


def _share(value: Any) -> float | None:
    """A share of missing readings; anything unreadable is left unknown, not refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


# The rows of an answer share a few hundred window starts at most: each is read once.
@functools.lru_cache(maxsize=4096)
def _parse_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadResponse("Butlr's reporting data has an unreadable time") from None
    if moment.tzinfo is None:
        raise BadResponse("Butlr's reporting data has a time without an offset")
    return moment
