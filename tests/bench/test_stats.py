"""The benchmark's arithmetic: percentiles, the results file's shape, targets and the table."""

import json

import pytest

from bench.stats import (
    MEDIAN_CRITERION,
    cold_dashboard_limit,
    cold_doors_limit,
    difference,
    median_run,
    p50_p95,
    percentile,
    results_build,
    runs_combine,
    spread,
    table_format,
    targets_check,
)

OLD_KEYS = {
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
NEW_KEYS = {
    "cpu_ms_per_request",
    "warm_doors_vs_bare_django_cpu",
    "dashboard_cold_ms",
    "dashboard_cold_butlr_calls",
    "dashboard_warm_ms",
    "dashboard_warm_butlr_calls",
    "dashboard_warm_butlr_calls_by_endpoint",
    "managers",
    "pages",
    "amenities",
}


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
        "cold": {"doors_ms": [50.0, 60.0, 70.0], "calls": {"butterflymx.tenants": 3}},
        "warm": {
            "doors": {"requests": 450, "seconds": 10.0},
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
        "cpu": {
            "app_ms_per_cold_page": 15.0,
            "app_ms_per_warm_page": 3.0,
            "app_ms_per_healthz": 1.5,
            "app_ms_per_dashboard": 8.0,
            "sandbox_ms_per_call": 7.5,
            "app_ms_per_cold_dashboard": 40.0,
            "sandbox_ms_per_cold_dashboard": 30.0,
        },
        "dashboards": {
            "cold_ms": [90.0, 100.0, 110.0],
            "cold_calls": {"butlr.graphql": 3, "butlr.reporting": 12, "butlr.login": 1},
            "warm_ms": [10.0, 20.0, 30.0, 90.0],
            "warm_calls": {},
        },
        "managers": {
            "few": {
                "managers": 3,
                "dashboards": 3,
                "dashboard_ms": [20.0, 25.0, 30.0],
                "seconds": 30.0,
                "second_of_minute": 12.5,
                "minutes_touched": 1,
                "calls": {"butlr.reporting": 4},
            },
            "many": {
                "managers": 30,
                "dashboards": 3,
                "dashboard_ms": [40.0, 50.0, 60.0],
                "seconds": 30.0,
                "second_of_minute": 12.5,
                "minutes_touched": 1,
                "calls": {"butlr.reporting": 4},
            },
        },
        "pages": {
            page: {
                "cold": {"ms": [100.0, 120.0], "calls": {"butterflymx.tenants": 2}},
                "warm": {"ms": [10.0, 12.0, 14.0, 16.0], "calls": {}},
            }
            for page in ("visitors", "history", "skyline_doors")
        },
        "amenities": {
            "ms": [5.0, 6.0, 7.0, 8.0],
            "residents": 96,
            "linked_buildings": 1,
            "seconds": 40.0,
            "minutes_touched": 2,
            "calls": {"butlr.reporting": 2},
            "prime_calls": {"butlr.reporting": 3},
        },
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

    # Every key of the earlier runs' files is kept; issues 16 and 18 only added keys.
    assert set(results) == OLD_KEYS | NEW_KEYS
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
    assert results["doors_cold_ms"] == {"p50": 60.0, "p95": 69.0}
    assert results["doors_warm_ms"]["p50"] == 9.5
    assert results["doors_warm_upstream_calls"] == 0
    assert results["dashboard_ms"]["p50"] == 25.0
    assert results["butlr_logins"] == 1
    assert results["butlr_reporting_calls"] == 9
    assert results["warm_doors_vs_bare_django_rps"] == 0.45
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
    assert cold_doors_limit(50) == 65
    assert cold_doors_limit(100) == 115


def test_new_figures():
    results = results_build(upstream_latency_ms=50, raw=_raw())

    assert results["cpu_ms_per_request"] == {
        "app_cold_doors_page": 15.0,
        "app_warm_doors_page": 3.0,
        "app_healthz": 1.5,
        "app_warm_dashboard": 8.0,
        "sandbox_upstream_call": 7.5,
        "app_cold_dashboard": 40.0,
        "sandbox_cold_dashboard": 30.0,
    }
    assert results["warm_doors_vs_bare_django_cpu"] == 2.0
    assert results["dashboard_cold_ms"] == {"p50": 100.0, "p95": 109.0}
    # Logins are not the dashboard's data calls: 15 calls for 3 cold dashboards.
    assert results["dashboard_cold_butlr_calls"] == 5.0
    assert results["dashboard_warm_ms"]["p50"] == 25.0
    assert results["managers"]["few"]["butlr_calls_per_minute"] == 8.0
    assert results["managers"]["many"]["dashboard_ms"] == {"p50": 50.0, "p95": 59.0}
    assert results["managers"]["many_vs_few_butlr_calls_per_minute"] == 1.0
    # Which endpoints a crowd's calls went to, logins apart.
    assert results["managers"]["few"]["butlr_calls_by_endpoint"] == {"butlr.reporting": 4}
    assert results["dashboard_warm_butlr_calls_by_endpoint"] == {}
    assert results["pages"]["history"] == {
        "cold_ms": {"p50": 110.0, "p95": 119.0},
        "cold_samples": 2,
        "upstream_calls_per_cold_page": 1.0,
        "warm_ms": {"p50": 13.0, "p95": 15.7},
        "warm_samples": 4,
        "upstream_calls_per_warm_page": 0.0,
    }
    # Two reporting calls over a phase that touched two clock minutes: one per minute.
    assert results["amenities"]["butlr_reporting_calls_per_building_per_minute"] == 1.0
    assert results["amenities"]["ms"] == {"p50": 6.5, "p95": 7.8}
    assert results["amenities"]["butlr_reporting_calls_to_fill"] == 3


def test_results_of_a_run_without_the_new_phases_keep_their_keys():
    raw = _raw()
    for section in ("cpu", "dashboards", "managers", "pages", "amenities"):
        del raw[section]

    results = results_build(upstream_latency_ms=50, raw=raw)

    assert set(results) == OLD_KEYS | NEW_KEYS
    assert results["dashboard_cold_ms"] == {"p50": None, "p95": None}
    assert results["managers"]["many_vs_few_butlr_calls_per_minute"] is None
    verdicts = {target.label: target.verdict for target in targets_check(results)}
    assert verdicts["cold dashboard p50 (nothing cached)"] == "MISS"
    assert verdicts["history page in the run (warm p50)"] == "MISS"


def test_cold_dashboard_limit_is_one_butlr_round_trip_and_the_pages_work():
    assert cold_dashboard_limit(50) == 110


def _verdicts(results) -> dict[str, str]:
    return {target.label: target.verdict for target in targets_check(results)}


def test_every_target_passes_on_a_good_run():
    targets = targets_check(results_build(upstream_latency_ms=50, raw=_raw()))

    assert [target.label for target in targets] == [
        "unlock overhead p50, managers in the mix",
        "unlock overhead p95, managers in the mix",
        "warm doors page ÷ bare view, requests/s",
        "warm doors page ÷ bare view, app CPU per request",
        "cold doors page p50",
        "warm dashboard p50",
        "warm dashboard p95",
        "app CPU per warm dashboard",
        "cold dashboard p50 (nothing cached)",
        "Butlr calls per minute, 30 managers ÷ 3",
        "visitor passes page in the run (warm p50)",
        "history page in the run (warm p50)",
        "doors page, 500-door building in the run (warm p50)",
        "amenity poll: Butlr reporting calls per linked building per minute",
        "errors",
    ]
    assert [target.verdict for target in targets] == ["PASS"] * 15


# (where the figure lives, the last passing value, the first missing value, target label)
THRESHOLDS = [
    (("unlock", "overhead_ms", "p50"), 8.0, 8.1, "unlock overhead p50, managers in the mix"),
    (("unlock", "overhead_ms", "p95"), 20.0, 20.1, "unlock overhead p95, managers in the mix"),
    (("warm_doors_vs_bare_django_rps",), 0.4, 0.399, "warm doors page ÷ bare view, requests/s"),
    (
        ("warm_doors_vs_bare_django_cpu",),
        2.5,
        2.51,
        "warm doors page ÷ bare view, app CPU per request",
    ),
    (("doors_cold_ms", "p50"), 65.0, 65.1, "cold doors page p50"),
    (("dashboard_warm_ms", "p50"), 25.0, 25.1, "warm dashboard p50"),
    (("dashboard_warm_ms", "p95"), 100.0, 100.1, "warm dashboard p95"),
    (("cpu_ms_per_request", "app_warm_dashboard"), 10.0, 10.01, "app CPU per warm dashboard"),
    (("dashboard_cold_ms", "p50"), 110.0, 110.1, "cold dashboard p50 (nothing cached)"),
    (
        ("managers", "many_vs_few_butlr_calls_per_minute"),
        1.0,
        1.01,
        "Butlr calls per minute, 30 managers ÷ 3",
    ),
    (
        ("amenities", "butlr_reporting_calls_per_building_per_minute"),
        1.0,
        1.5,
        "amenity poll: Butlr reporting calls per linked building per minute",
    ),
    (("errors",), 0, 1, "errors"),
]


@pytest.mark.parametrize(("path", "passing", "missing", "label"), THRESHOLDS)
def test_each_target_passes_up_to_its_threshold_and_misses_past_it(path, passing, missing, label):
    results = results_build(upstream_latency_ms=50, raw=_raw())
    *parents, name = path
    holder = results
    for key in parents:
        holder = holder[key]

    holder[name] = passing
    assert _verdicts(results)[label] == "PASS"
    holder[name] = missing
    verdicts = _verdicts(results)
    assert verdicts[label] == "MISS"
    # Only its own target moves.
    assert [key for key, verdict in verdicts.items() if verdict == "MISS"] == [label]
    holder[name] = None
    assert _verdicts(results)[label] == "MISS"


def test_fewer_calls_with_many_managers_pass_more_miss():
    raw = _raw()
    raw["managers"]["many"]["calls"] = {"butlr.reporting": 3, "butlr.login": 5}
    assert (
        _verdicts(results_build(upstream_latency_ms=50, raw=raw))[
            "Butlr calls per minute, 30 managers ÷ 3"
        ]
        == "PASS"
    )

    raw["managers"]["many"]["calls"] = {"butlr.reporting": 5}
    results = results_build(upstream_latency_ms=50, raw=raw)
    assert results["managers"]["many_vs_few_butlr_calls_per_minute"] == 1.25
    assert _verdicts(results)["Butlr calls per minute, 30 managers ÷ 3"] == "MISS"


def test_a_new_page_without_its_cold_or_warm_samples_misses():
    raw = _raw()
    raw["pages"]["skyline_doors"]["cold"] = {"ms": [], "calls": {}}

    verdicts = _verdicts(results_build(upstream_latency_ms=50, raw=raw))

    assert verdicts["doors page, 500-door building in the run (warm p50)"] == "MISS"
    assert verdicts["visitor passes page in the run (warm p50)"] == "PASS"


def test_amenity_calls_are_counted_per_linked_building_and_minute_touched():
    raw = _raw()
    raw["amenities"].update(linked_buildings=2, minutes_touched=1, calls={"butlr.reporting": 3})

    results = results_build(upstream_latency_ms=50, raw=raw)

    assert results["amenities"]["butlr_reporting_calls_per_building_per_minute"] == 1.5
    assert (
        _verdicts(results)["amenity poll: Butlr reporting calls per linked building per minute"]
        == "MISS"
    )


def _run_with_overhead(p50: float | None, errors: int = 0) -> dict:
    results = results_build(upstream_latency_ms=50, raw=_raw(errors=errors))
    results["unlock"]["overhead_ms"]["p50"] = p50
    return results


def test_the_median_run_is_the_one_with_the_median_overhead():
    runs = [_run_with_overhead(12.0), _run_with_overhead(9.0), _run_with_overhead(15.0)]

    assert median_run(runs) == 0
    assert median_run(runs[:1]) == 0
    # An even number of runs: the lower middle one.
    assert median_run([_run_with_overhead(12.0), _run_with_overhead(9.0)]) == 1
    # A run that could not measure it sorts last.
    assert median_run([_run_with_overhead(None), *runs[1:]]) == 2
    with pytest.raises(ValueError, match="no runs"):
        median_run([])


def test_spread_is_each_figures_lowest_and_highest_value_over_the_runs():
    runs = [_run_with_overhead(12.0), _run_with_overhead(9.0), _run_with_overhead(None)]
    runs[2]["butlr_reporting_calls"] = 30

    found = spread(runs)

    assert found["unlock.overhead_ms.p50"] == {"min": 9.0, "max": 12.0}
    assert found["butlr_reporting_calls"] == {"min": 9, "max": 30}
    assert found["managers.few.butlr_calls_per_minute"] == {"min": 8.0, "max": 8.0}
    assert found["pages.skyline_doors.warm_ms.p95"] == {"min": 15.7, "max": 15.7}
    assert "upstream_latency_ms" in found


def test_several_runs_keep_the_shape_with_the_median_runs_figures_on_top():
    runs = [_run_with_overhead(12.0), _run_with_overhead(9.0, errors=2), _run_with_overhead(15.0)]

    results = runs_combine(runs)

    assert set(results) == OLD_KEYS | NEW_KEYS | {"errors_all_runs", "median_run", "spread", "runs"}
    assert results["unlock"]["overhead_ms"]["p50"] == 12.0
    assert results["errors"] == 0
    assert results["errors_all_runs"] == 2
    assert results["median_run"] == {"run": 1, "of": 3, "criterion": MEDIAN_CRITERION}
    assert results["runs"] == runs
    assert results["spread"]["unlock.overhead_ms.p50"] == {"min": 9.0, "max": 15.0}
    assert json.loads(json.dumps(results)) == results


def test_the_table_of_several_runs_gives_each_figures_spread():
    runs = [_run_with_overhead(12.0), _run_with_overhead(9.0), _run_with_overhead(15.0)]

    table = table_format(runs_combine(runs), {"databases and cache": "PostgreSQL + Redis"})

    assert "Figures of run 1 of 3, the median run" in table
    assert "| Foyer's unlock overhead (managers in the mix) | 12 | 18.2 | 9 to 15 / 18.2 |" in table
    assert "| unlock overhead p50, managers in the mix | 12 | ≤ 8 ms | MISS | 9 to 15 |" in table
    assert "| Butlr calls per cold dashboard | 5 | 5 |" in table
    assert "| databases and cache | PostgreSQL + Redis | |" in table


def test_a_single_run_is_combined_as_a_run_of_one():
    results = runs_combine([_run_with_overhead(7.0)])

    assert results["median_run"]["of"] == 1
    assert "min to max" not in table_format(results)


def test_table_shows_figures_details_and_verdicts():
    results = results_build(upstream_latency_ms=50, raw=_raw(errors=1))

    table = table_format(results, {"databases and cache": "PostgreSQL + Redis"})

    assert "| Foyer's unlock overhead (managers in the mix) | 7.5 | 18.2 |" in table
    assert "| doors page, cold (empty cache) | 60 | 69 |" in table
    assert "| dashboard, cold (nothing cached) | 100 | 109 |" in table
    assert "| doors page of the 500-door building, warm | 13 | 15.7 |" in table
    assert "| upstream calls per history page, cold / warm | 1 / 0 |" in table
    assert "| app CPU per warm dashboard, ms | 8 |" in table
    assert "| amenity poll: Butlr reporting calls | 2 |" in table
    assert "| databases and cache | PostgreSQL + Redis |" in table
    assert "| errors | 1 | 0 | MISS |" in table
    assert "| unlock overhead p50, managers in the mix | 7.5 | ≤ 8 ms | PASS |" in table
    assert "| cold doors page p50 | 60 | ≤ 65 ms (50 + 15) | PASS |" in table
