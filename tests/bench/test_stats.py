"""The benchmark's arithmetic: percentiles, the results file's shape, targets and the table."""

import json

import pytest

from bench.stats import (
    cold_doors_limit,
    difference,
    p50_p95,
    percentile,
    results_build,
    table_format,
    targets_check,
)


def test_percentile_interpolates_between_closest_ranks():
    values = [40, 10, 30, 20]  # order does not matter

    assert percentile(values, 0) == 10
    assert percentile(values, 100) == 40
    assert percentile(values, 50) == 25
    assert percentile(values, 95) == pytest.approx(38.5)


def test_percentile_of_one_value_and_of_none():
    assert percentile([7.25], 95) == 7.25
    assert percentile([], 50) is None


def test_percentile_refuses_a_fraction_of_one_as_a_percentage():
    with pytest.raises(ValueError, match="percentage"):
        percentile([1, 2], 101)


def test_p50_p95_rounds_to_a_tenth_of_a_millisecond():
    assert p50_p95([1.04, 2.0, 3.0, 4.0, 100.0]) == {"p50": 3.0, "p95": 80.8}
    assert p50_p95([]) == {"p50": None, "p95": None}


def test_difference_is_taken_percentile_by_percentile():
    foyer, direct = {"p50": 61.25, "p95": 80.0}, {"p50": 55.0, "p95": 70.5}

    assert difference(foyer, direct) == {"p50": 6.2, "p95": 9.5}
    assert difference(foyer, {"p50": None, "p95": 70.0}) == {"p50": None, "p95": 10.0}


def _raw(**changes):
    raw = {
        "cold": {"doors_ms": [70.0, 80.0, 90.0], "calls": {"butterflymx.tenants": 3}},
        "warm": {
            "doors": {"requests": 300, "seconds": 10.0},
            "bare": {"requests": 1000, "seconds": 10.0},
            "calls": {},
        },
        "mixed": {
            "unlock_foyer_ms": [60.0, 62.0, 64.0, 90.0],
            "unlock_direct_ms": [54.0, 55.0, 56.0, 70.0],
            "direct_sent": 4,
            "doors_warm_ms": [8.0, 9.0, 10.0, 30.0],
            "dashboard_ms": [20.0, 25.0, 600.0],
            "calls": {"butterflymx.door_release": 8, "butlr.reporting": 5},
        },
        "run_calls": {"butlr.login": 1, "butlr.reporting": 9, "butterflymx.door_release": 8},
        "errors": 0,
    }
    for key, value in changes.items():
        section, _, name = key.partition("__")
        if name:
            raw[section][name] = value
        else:
            raw[section] = value
    return raw


def test_results_have_exactly_the_shape_runs_are_compared_by():
    results = results_build(upstream_latency_ms=50, raw=_raw())

    assert set(results) == {
        "upstream_latency_ms",
        "unlock",
        "doors_cold_ms",
        "doors_warm_ms",
        "doors_warm_upstream_calls",
        "dashboard_ms",
        "butlr_logins",
        "butlr_reporting_calls",
        "warm_doors_vs_bare_django_rps",
        "errors",
    }
    assert set(results["unlock"]) == {
        "foyer_ms",
        "direct_ms",
        "overhead_ms",
        "upstream_calls_per_unlock",
    }
    for timing in (
        results["unlock"]["foyer_ms"],
        results["unlock"]["direct_ms"],
        results["unlock"]["overhead_ms"],
        results["doors_cold_ms"],
        results["doors_warm_ms"],
        results["dashboard_ms"],
    ):
        assert set(timing) == {"p50", "p95"}
    assert json.loads(json.dumps(results)) == results


def test_results_figures():
    results = results_build(upstream_latency_ms=50, raw=_raw())

    assert results["upstream_latency_ms"] == 50
    assert results["unlock"]["foyer_ms"] == {"p50": 63.0, "p95": 86.1}
    assert results["unlock"]["direct_ms"] == {"p50": 55.5, "p95": 67.9}
    assert results["unlock"]["overhead_ms"] == {"p50": 7.5, "p95": 18.2}
    # Eight releases reached the sandbox, four of them sent straight: one per Foyer unlock.
    assert results["unlock"]["upstream_calls_per_unlock"] == 1.0
    assert results["doors_cold_ms"] == {"p50": 80.0, "p95": 89.0}
    assert results["doors_warm_ms"]["p50"] == 9.5
    assert results["doors_warm_upstream_calls"] == 0
    assert results["dashboard_ms"]["p50"] == 25.0
    assert results["butlr_logins"] == 1
    assert results["butlr_reporting_calls"] == 9
    assert results["warm_doors_vs_bare_django_rps"] == 0.3
    assert results["errors"] == 0


def test_listing_calls_during_warm_pages_are_counted_but_releases_are_not():
    raw = _raw(
        warm__calls={"butterflymx.devices": 2},
        mixed__calls={"butterflymx.door_release": 8, "butterflymx.tenants": 1, "butlr.login": 1},
    )

    assert results_build(upstream_latency_ms=50, raw=raw)["doors_warm_upstream_calls"] == 3


def test_no_samples_leave_figures_empty_rather_than_failing():
    raw = _raw(mixed__unlock_foyer_ms=[], warm__bare={"requests": 0, "seconds": 0})

    results = results_build(upstream_latency_ms=50, raw=raw)

    assert results["unlock"]["foyer_ms"] == {"p50": None, "p95": None}
    assert results["unlock"]["overhead_ms"] == {"p50": None, "p95": None}
    assert results["unlock"]["upstream_calls_per_unlock"] is None
    assert results["warm_doors_vs_bare_django_rps"] is None


def test_cold_page_limit_is_one_upstream_round_trip_and_a_little():
    assert cold_doors_limit(50) == 85
    assert cold_doors_limit(100) == 150


def test_every_target_passes_on_a_good_run():
    targets = targets_check(results_build(upstream_latency_ms=50, raw=_raw()))

    assert [target.verdict for target in targets] == ["PASS"] * 7


def test_each_target_misses_on_its_own_figure():
    results = results_build(upstream_latency_ms=50, raw=_raw())
    results["unlock"]["overhead_ms"] = {"p50": 10.1, "p95": 25.0}
    results["doors_cold_ms"] = {"p50": 85.1, "p95": 90.0}
    results["doors_warm_ms"] = {"p50": None, "p95": None}
    results["butlr_logins"] = 2

    verdicts = {target.label: target.verdict for target in targets_check(results)}

    assert verdicts == {
        "unlock overhead p50": "MISS",
        "unlock overhead p95": "PASS",
        "cold doors page p50": "MISS",
        "warm doors page p50": "MISS",
        "upstream calls of warm doors pages": "PASS",
        "Butlr logins in the run": "MISS",
        "errors": "PASS",
    }


def test_errors_and_warm_page_calls_miss_when_not_zero():
    results = results_build(upstream_latency_ms=50, raw=_raw(errors=2))
    results["doors_warm_upstream_calls"] = 1

    verdicts = {target.label: target.verdict for target in targets_check(results)}

    assert verdicts["errors"] == "MISS"
    assert verdicts["upstream calls of warm doors pages"] == "MISS"


def test_table_shows_figures_details_and_verdicts():
    results = results_build(upstream_latency_ms=50, raw=_raw(errors=1))

    table = table_format(results, {"databases and cache": "PostgreSQL + Redis"})

    assert "| Foyer's unlock overhead | 7.5 | 18.2 |" in table
    assert "| doors page, cold (empty cache) | 80 | 89 |" in table
    assert "| databases and cache | PostgreSQL + Redis |" in table
    assert "| errors | 1 | 0 | MISS |" in table
    assert "| unlock overhead p50 | 7.5 | ≤ 10 ms | PASS |" in table
