"""Figures of a benchmark run: percentiles, bench-results.json, the targets and the table."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Targets of issue 16, in milliseconds unless said otherwise.
OVERHEAD_P50_MAX = 8
OVERHEAD_P95_MAX = 20
WARM_DOORS_RPS_MIN = 0.40  # of the bare view's requests per second
WARM_DOORS_CPU_MAX = 2.5  # times the bare view's app CPU per request
COLD_DOORS_ALLOWANCE = 15  # over one upstream round trip
DASHBOARD_WARM_P50_MAX = 25
DASHBOARD_WARM_P95_MAX = 100
DASHBOARD_CPU_MAX = 10  # app CPU per warm dashboard
COLD_DASHBOARD_ALLOWANCE = 60  # over one Butlr round trip: its calls go out at once
MANY_MANAGERS_CALLS_MAX = 1.0  # Butlr calls per minute, many managers over a few
# Issue 18: one Butlr reporting query per linked building per minute.
AMENITY_REPORTING_MAX = 1.0
NEW_PAGES = (
    ("visitors", "visitor passes page"),
    ("history", "history page"),
    ("skyline_doors", "doors page, 500-door building"),
)
MEDIAN_CRITERION = (
    "the run whose unlock overhead p50 is the median of the runs' (the lower middle one "
    "for an even number of runs)"
)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0 to 100) of ``values``, interpolating linearly between the two
    closest ranks (numpy's default method); None when there are no values."""
    if not 0 <= q <= 100:
        raise ValueError("q is a percentage, from 0 to 100")
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def p50_p95(values: Sequence[float]) -> dict[str, float | None]:
    return {"p50": _rounded(percentile(values, 50)), "p95": _rounded(percentile(values, 95))}


def difference(
    minuend: Mapping[str, float | None], subtrahend: Mapping[str, float | None]
) -> dict[str, float | None]:
    """Percentile by percentile: Foyer's unlock minus the same release sent straight."""
    return {
        key: None
        if minuend[key] is None or subtrahend[key] is None
        else round(minuend[key] - subtrahend[key], 1)
        for key in ("p50", "p95")
    }


def _rate(throughput: Mapping[str, float]) -> float:
    return throughput["requests"] / throughput["seconds"] if throughput["seconds"] else 0.0


def _butterflymx_calls(calls: Mapping[str, int], *, but: str | None = None) -> int:
    return sum(
        count for name, count in calls.items() if name.startswith("butterflymx.") and name != but
    )


def butlr_calls_by_endpoint(calls: Mapping[str, int]) -> dict[str, int]:
    """Butlr's data calls (topology, reporting, detections) by endpoint: its logins are
    counted apart."""
    return {
        name: count
        for name, count in sorted(calls.items())
        if name.startswith("butlr.") and name != "butlr.login"
    }


def butlr_calls(calls: Mapping[str, int]) -> int:
    return sum(butlr_calls_by_endpoint(calls).values())


def _per(total: float, count: float, digits: int = 2) -> float | None:
    return round(total / count, digits) if count else None


def _ratio(numerator: float | None, denominator: float | None, digits: int = 3):
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, digits)


def _dashboards(raw: Mapping) -> dict:
    dashboards = raw.get("dashboards", {})
    cold_ms = dashboards.get("cold_ms", [])
    return {
        "dashboard_cold_ms": p50_p95(cold_ms),
        "dashboard_cold_butlr_calls": _per(
            butlr_calls(dashboards.get("cold_calls", {})), len(cold_ms)
        ),
        "dashboard_warm_ms": p50_p95(dashboards.get("warm_ms", [])),
        "dashboard_warm_butlr_calls": butlr_calls(dashboards.get("warm_calls", {})),
        "dashboard_warm_butlr_calls_by_endpoint": butlr_calls_by_endpoint(
            dashboards.get("warm_calls", {})
        ),
    }


def _managers_crowd(crowd: Mapping | None) -> dict:
    if not crowd:
        return {"managers": None, "butlr_calls": None, "butlr_calls_per_minute": None}
    calls = butlr_calls(crowd["calls"])
    return {
        "managers": crowd["managers"],
        "seconds": crowd["seconds"],
        "second_of_minute": crowd["second_of_minute"],
        "minutes_touched": crowd["minutes_touched"],
        "dashboard_ms": p50_p95(crowd["dashboard_ms"]),
        "butlr_calls": calls,
        "butlr_calls_per_minute": _per(calls * 60, crowd["seconds"], 1),
        "butlr_calls_by_endpoint": butlr_calls_by_endpoint(crowd["calls"]),
    }


def _managers(raw: Mapping) -> dict:
    managers = raw.get("managers", {})
    few, many = _managers_crowd(managers.get("few")), _managers_crowd(managers.get("many"))
    return {
        "few": few,
        "many": many,
        "many_vs_few_butlr_calls_per_minute": _ratio(
            many["butlr_calls_per_minute"], few["butlr_calls_per_minute"], 2
        ),
    }


def _pages(raw: Mapping) -> dict:
    pages = {}
    for page, _ in NEW_PAGES:
        figures = raw.get("pages", {}).get(page, {})
        entry = {}
        for temperature in ("cold", "warm"):
            measured = figures.get(temperature, {"ms": [], "calls": {}})
            entry[f"{temperature}_ms"] = p50_p95(measured["ms"])
            entry[f"{temperature}_samples"] = len(measured["ms"])
            entry[f"upstream_calls_per_{temperature}_page"] = _per(
                _butterflymx_calls(measured["calls"]), len(measured["ms"])
            )
        pages[page] = entry
    return pages


def _amenities(raw: Mapping) -> dict:
    amenities = raw.get("amenities")
    if not amenities:
        return {"ms": p50_p95([]), "residents": 0, "butlr_reporting_calls": None}
    reporting = amenities["calls"].get("butlr.reporting", 0)
    return {
        "ms": p50_p95(amenities["ms"]),
        "samples": len(amenities["ms"]),
        "residents": amenities["residents"],
        "linked_buildings": amenities["linked_buildings"],
        "seconds": amenities["seconds"],
        "minutes_touched": amenities["minutes_touched"],
        "butlr_reporting_calls": reporting,
        "butlr_reporting_calls_to_fill": amenities.get("prime_calls", {}).get("butlr.reporting", 0),
        # Per clock minute the phase touched: a query per building per minute at most.
        "butlr_reporting_calls_per_building_per_minute": _per(
            reporting, amenities["linked_buildings"] * amenities["minutes_touched"]
        ),
    }


def _cpu(raw: Mapping) -> dict:
    cpu = raw.get("cpu", {})
    return {
        "app_cold_doors_page": cpu.get("app_ms_per_cold_page"),
        "app_warm_doors_page": cpu.get("app_ms_per_warm_page"),
        "app_healthz": cpu.get("app_ms_per_healthz"),
        "app_warm_dashboard": cpu.get("app_ms_per_dashboard"),
        "sandbox_upstream_call": cpu.get("sandbox_ms_per_call"),
        "app_cold_dashboard": cpu.get("app_ms_per_cold_dashboard"),
        "sandbox_cold_dashboard": cpu.get("sandbox_ms_per_cold_dashboard"),
    }


def results_build(*, upstream_latency_ms: int, raw: Mapping) -> dict:
    """bench-results.json from the load's raw timings and the sandbox's call counts.

    ``raw`` is what bench.load writes: timings in milliseconds per measure, and for each
    phase the sandbox's calls by endpoint name made during it.
    """
    mixed, warm = raw["mixed"], raw["warm"]
    foyer = p50_p95(mixed["unlock_foyer_ms"])
    direct = p50_p95(mixed["unlock_direct_ms"])
    unlocks = len(mixed["unlock_foyer_ms"])
    releases_for_foyer = mixed["calls"].get("butterflymx.door_release", 0) - mixed["direct_sent"]
    # Unlocks read the same cached listing as the warm pages: any listing call in the mixed
    # phase is counted against the warm pages.
    warm_calls = _butterflymx_calls(mixed["calls"], but="butterflymx.door_release")
    warm_calls += _butterflymx_calls(warm["calls"])
    bare_rate = _rate(warm["bare"])
    cpu = _cpu(raw)
    return {
        "upstream_latency_ms": upstream_latency_ms,
        "unlock": {
            "foyer_ms": foyer,
            "direct_ms": direct,
            "overhead_ms": difference(foyer, direct),
            "upstream_calls_per_unlock": round(releases_for_foyer / unlocks, 2)
            if unlocks
            else None,
        },
        "doors_cold_ms": p50_p95(raw["cold"]["doors_ms"]),
        "doors_warm_ms": p50_p95(mixed["doors_warm_ms"]),
        "doors_warm_upstream_calls": warm_calls,
        "dashboard_ms": p50_p95(mixed["dashboard_ms"]),
        "butlr_logins": raw["run_calls"].get("butlr.login", 0),
        "butlr_reporting_calls": raw["run_calls"].get("butlr.reporting", 0),
        "warm_doors_vs_bare_django_rps": round(_rate(warm["doors"]) / bare_rate, 3)
        if bare_rate
        else None,
        "errors": raw["errors"],
        # Added for issues 16 and 18.
        "cpu_ms_per_request": cpu,
        "warm_doors_vs_bare_django_cpu": _ratio(cpu["app_warm_doors_page"], cpu["app_healthz"], 2),
        **_dashboards(raw),
        "managers": _managers(raw),
        "pages": _pages(raw),
        "amenities": _amenities(raw),
    }


@dataclass(frozen=True)
class Target:
    label: str
    value: float | None
    goal: str
    passed: bool

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "MISS"


def _at_most(value: float | None, limit: float) -> bool:
    return value is not None and value <= limit


def _at_least(value: float | None, limit: float) -> bool:
    return value is not None and value >= limit


def cold_doors_limit(upstream_latency_ms: float) -> float:
    """One upstream round trip (the three listings go out at once), plus a little."""
    return upstream_latency_ms + COLD_DOORS_ALLOWANCE


def cold_dashboard_limit(upstream_latency_ms: float) -> float:
    """One Butlr round trip (the dashboard's calls go out at once), plus the page's work."""
    return upstream_latency_ms + COLD_DASHBOARD_ALLOWANCE


def _ms(limit: float) -> str:
    return f"≤ {limit:g} ms"


def targets_check(results: Mapping) -> list[Target]:
    """Issue 16's targets (and issue 18's amenity target), each from one run."""
    overhead = results["unlock"]["overhead_ms"]
    latency = results["upstream_latency_ms"]
    cold_limit, dashboard_limit = cold_doors_limit(latency), cold_dashboard_limit(latency)
    cpu = results.get("cpu_ms_per_request", {})
    warm_dashboard = results.get("dashboard_warm_ms", {"p50": None, "p95": None})
    managers = results.get("managers", {})
    pages = results.get("pages", {})
    amenity = results.get("amenities", {}).get("butlr_reporting_calls_per_building_per_minute")
    ratio = managers.get("many_vs_few_butlr_calls_per_minute")
    few, many = managers.get("few", {}), managers.get("many", {})
    targets = [
        Target(
            "unlock overhead p50, managers in the mix",
            overhead["p50"],
            _ms(OVERHEAD_P50_MAX),
            _at_most(overhead["p50"], OVERHEAD_P50_MAX),
        ),
        Target(
            "unlock overhead p95, managers in the mix",
            overhead["p95"],
            _ms(OVERHEAD_P95_MAX),
            _at_most(overhead["p95"], OVERHEAD_P95_MAX),
        ),
        Target(
            "warm doors page ÷ bare view, requests/s",
            results["warm_doors_vs_bare_django_rps"],
            f"≥ {WARM_DOORS_RPS_MIN:g}",
            _at_least(results["warm_doors_vs_bare_django_rps"], WARM_DOORS_RPS_MIN),
        ),
        Target(
            "warm doors page ÷ bare view, app CPU per request",
            results.get("warm_doors_vs_bare_django_cpu"),
            f"≤ {WARM_DOORS_CPU_MAX:g}",
            _at_most(results.get("warm_doors_vs_bare_django_cpu"), WARM_DOORS_CPU_MAX),
        ),
        Target(
            "cold doors page p50",
            results["doors_cold_ms"]["p50"],
            f"{_ms(cold_limit)} ({latency} + {COLD_DOORS_ALLOWANCE})",
            _at_most(results["doors_cold_ms"]["p50"], cold_limit),
        ),
        Target(
            "warm dashboard p50",
            warm_dashboard["p50"],
            _ms(DASHBOARD_WARM_P50_MAX),
            _at_most(warm_dashboard["p50"], DASHBOARD_WARM_P50_MAX),
        ),
        Target(
            "warm dashboard p95",
            warm_dashboard["p95"],
            _ms(DASHBOARD_WARM_P95_MAX),
            _at_most(warm_dashboard["p95"], DASHBOARD_WARM_P95_MAX),
        ),
        Target(
            "app CPU per warm dashboard",
            cpu.get("app_warm_dashboard"),
            _ms(DASHBOARD_CPU_MAX),
            _at_most(cpu.get("app_warm_dashboard"), DASHBOARD_CPU_MAX),
        ),
        Target(
            "cold dashboard p50 (nothing cached)",
            results.get("dashboard_cold_ms", {}).get("p50"),
            f"{_ms(dashboard_limit)} ({latency} + {COLD_DASHBOARD_ALLOWANCE})",
            _at_most(results.get("dashboard_cold_ms", {}).get("p50"), dashboard_limit),
        ),
        Target(
            f"Butlr calls per minute, {many.get('managers')} managers ÷ {few.get('managers')}",
            ratio,
            f"≤ {MANY_MANAGERS_CALLS_MAX:g} (the same)",
            _at_most(ratio, MANY_MANAGERS_CALLS_MAX),
        ),
    ]
    for page, label in NEW_PAGES:
        figures = pages.get(page, {})
        measured = bool(figures.get("cold_samples")) and bool(figures.get("warm_samples"))
        targets.append(
            Target(
                f"{label} in the run (warm p50)",
                figures.get("warm_ms", {}).get("p50"),
                "measured, cold and warm",
                measured,
            )
        )
    targets += [
        Target(
            "amenity poll: Butlr reporting calls per linked building per minute",
            amenity,
            f"≤ {AMENITY_REPORTING_MAX:g}",
            _at_most(amenity, AMENITY_REPORTING_MAX),
        ),
        Target("errors", results["errors"], "0", results["errors"] == 0),
    ]
    return targets


def _cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def figures_flat(results: Mapping, prefix: str = "") -> dict[str, float]:
    """Every number of a run's results by its dotted path ("unlock.overhead_ms.p50")."""
    flat: dict[str, float] = {}
    for key, value in results.items():
        if key in {"runs", "spread", "median_run"}:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(figures_flat(value, f"{path}."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[path] = value
    return flat


def spread(runs: Sequence[Mapping]) -> dict[str, dict[str, float]]:
    """Each figure's lowest and highest value over the runs, by dotted path; a figure some
    run could not measure spreads over the runs that did."""
    values: dict[str, list[float]] = {}
    for results in runs:
        for path, value in figures_flat(results).items():
            values.setdefault(path, []).append(value)
    return {path: {"min": min(found), "max": max(found)} for path, found in values.items()}


def median_run(runs: Sequence[Mapping]) -> int:
    """The index of the median run: see MEDIAN_CRITERION. Runs without the figure sort last."""
    if not runs:
        raise ValueError("no runs")

    def overhead(index: int) -> tuple[bool, float, int]:
        value = runs[index]["unlock"]["overhead_ms"]["p50"]
        return (value is None, value or 0.0, index)

    ordered = sorted(range(len(runs)), key=overhead)
    return ordered[(len(ordered) - 1) // 2]


def runs_combine(runs: Sequence[Mapping]) -> dict:
    """bench-results.json for one or more runs: the median run's figures at the top level,
    as for a single run, plus every run's figures, their spread and which run is the median."""
    chosen = median_run(runs)
    return {
        **runs[chosen],
        "errors_all_runs": sum(results["errors"] for results in runs),
        "median_run": {"run": chosen + 1, "of": len(runs), "criterion": MEDIAN_CRITERION},
        "spread": spread(runs),
        "runs": list(runs),
    }


def _spread_cell(results: Mapping, path: str | None) -> str:
    found = results.get("spread", {}).get(path) if path else None
    if not found:
        return "n/a"
    low, high = _cell(found["min"]), _cell(found["max"])
    return low if low == high else f"{low} to {high}"


TIMINGS = (
    ("unlock through Foyer", "unlock.foyer_ms"),
    ("same release straight to the sandbox", "unlock.direct_ms"),
    ("Foyer's unlock overhead (managers in the mix)", "unlock.overhead_ms"),
    ("doors page, cold (empty cache)", "doors_cold_ms"),
    ("doors page, warm", "doors_warm_ms"),
    ("occupancy dashboard (mixed phase)", "dashboard_ms"),
    ("dashboard, warm, one manager alone", "dashboard_warm_ms"),
    ("dashboard, cold (nothing cached)", "dashboard_cold_ms"),
    ("dashboard, few managers", "managers.few.dashboard_ms"),
    ("dashboard, many managers", "managers.many.dashboard_ms"),
    ("visitor passes page, cold", "pages.visitors.cold_ms"),
    ("visitor passes page, warm", "pages.visitors.warm_ms"),
    ("history page, cold", "pages.history.cold_ms"),
    ("history page, warm", "pages.history.warm_ms"),
    ("doors page of the 500-door building, cold", "pages.skyline_doors.cold_ms"),
    ("doors page of the 500-door building, warm", "pages.skyline_doors.warm_ms"),
    ("amenity partial, polled by residents", "amenities.ms"),
)

COUNTS = (
    ("upstream calls per unlock", "unlock.upstream_calls_per_unlock"),
    ("upstream calls of warm doors pages", "doors_warm_upstream_calls"),
    ("Butlr logins", "butlr_logins"),
    ("Butlr reporting calls", "butlr_reporting_calls"),
    ("warm doors page ÷ bare Django, requests/s", "warm_doors_vs_bare_django_rps"),
    ("warm doors page ÷ bare Django, app CPU per request", "warm_doors_vs_bare_django_cpu"),
    ("app CPU per cold doors page, ms", "cpu_ms_per_request.app_cold_doors_page"),
    ("app CPU per warm doors page, ms", "cpu_ms_per_request.app_warm_doors_page"),
    ("app CPU per GET /healthz, ms", "cpu_ms_per_request.app_healthz"),
    ("app CPU per warm dashboard, ms", "cpu_ms_per_request.app_warm_dashboard"),
    ("sandbox CPU per upstream call, ms", "cpu_ms_per_request.sandbox_upstream_call"),
    ("app CPU per cold dashboard, ms", "cpu_ms_per_request.app_cold_dashboard"),
    ("sandbox CPU per cold dashboard, ms", "cpu_ms_per_request.sandbox_cold_dashboard"),
    ("Butlr calls per cold dashboard", "dashboard_cold_butlr_calls"),
    ("Butlr calls while one manager loads warm dashboards", "dashboard_warm_butlr_calls"),
    ("managers, few: how many", "managers.few.managers"),
    ("managers, few: Butlr calls", "managers.few.butlr_calls"),
    ("managers, few: Butlr calls per minute", "managers.few.butlr_calls_per_minute"),
    ("managers, few: started at second of the minute", "managers.few.second_of_minute"),
    ("managers, many: how many", "managers.many.managers"),
    ("managers, many: Butlr calls", "managers.many.butlr_calls"),
    ("managers, many: Butlr calls per minute", "managers.many.butlr_calls_per_minute"),
    ("managers, many: started at second of the minute", "managers.many.second_of_minute"),
    ("upstream calls per visitor passes page, cold / warm", "pages.visitors"),
    ("upstream calls per history page, cold / warm", "pages.history"),
    ("upstream calls per 500-door doors page, cold / warm", "pages.skyline_doors"),
    ("amenity poll: residents polling", "amenities.residents"),
    ("amenity poll: linked buildings", "amenities.linked_buildings"),
    ("amenity poll: seconds / clock minutes touched", "amenities"),
    ("amenity poll: Butlr reporting calls", "amenities.butlr_reporting_calls"),
    (
        "amenity poll: Butlr reporting calls filling its cache (one resident, before)",
        "amenities.butlr_reporting_calls_to_fill",
    ),
    ("errors", "errors"),
)


def _at(results: Mapping, path: str):
    found = results
    for key in path.split("."):
        if not isinstance(found, Mapping) or key not in found:
            return None
        found = found[key]
    return found


def _count_cell(results: Mapping, path: str) -> tuple[str, str]:
    """A count row's value and spread; a few rows put two figures in one cell."""
    value = _at(results, path)
    if path.startswith("pages."):
        keys = ("upstream_calls_per_cold_page", "upstream_calls_per_warm_page")
    elif path == "amenities":
        keys = ("seconds", "minutes_touched")
    else:
        return _cell(value), _spread_cell(results, path)
    value = value or {}
    return (
        " / ".join(_cell(value.get(key)) for key in keys),
        " / ".join(_spread_cell(results, f"{path}.{key}") for key in keys),
    )


TARGET_PATHS = {
    "unlock overhead p50, managers in the mix": "unlock.overhead_ms.p50",
    "unlock overhead p95, managers in the mix": "unlock.overhead_ms.p95",
    "warm doors page ÷ bare view, requests/s": "warm_doors_vs_bare_django_rps",
    "warm doors page ÷ bare view, app CPU per request": "warm_doors_vs_bare_django_cpu",
    "cold doors page p50": "doors_cold_ms.p50",
    "warm dashboard p50": "dashboard_warm_ms.p50",
    "warm dashboard p95": "dashboard_warm_ms.p95",
    "app CPU per warm dashboard": "cpu_ms_per_request.app_warm_dashboard",
    "cold dashboard p50 (nothing cached)": "dashboard_cold_ms.p50",
    "amenity poll: Butlr reporting calls per linked building per minute": (
        "amenities.butlr_reporting_calls_per_building_per_minute"
    ),
    "errors": "errors",
}


def _target_path(target: Target) -> str | None:
    if target.label.startswith("Butlr calls per minute,"):
        return "managers.many_vs_few_butlr_calls_per_minute"
    for page, label in NEW_PAGES:
        if target.label.startswith(label):
            return f"pages.{page}.warm_ms.p50"
    return TARGET_PATHS.get(target.label)


def table_format(results: Mapping, details: Mapping[str, object] | None = None) -> str:
    """The run as Markdown: timings, counts, then each target with PASS or MISS. With more
    than one run, the figures are the median run's and a column gives each one's spread."""
    runs = results.get("median_run", {}).get("of", 1)
    several = runs > 1
    extra = f" min to max over {runs} runs |" if several else ""
    rule = " --- |" if several else ""

    def spread_of(path: str | None) -> str:
        return f" {_spread_cell(results, path)} |" if several else ""

    timing_lines = []
    for label, path in TIMINGS:
        ms = _at(results, path) or {"p50": None, "p95": None}
        line = f"| {label} | {_cell(ms['p50'])} | {_cell(ms['p95'])} |"
        if several:
            low, high = (_spread_cell(results, f"{path}.{key}") for key in ("p50", "p95"))
            line += f" {low} / {high} |"
        timing_lines.append(line)
    count_lines = []
    for label, path in COUNTS:
        value, spread_text = _count_cell(results, path)
        count_lines.append(f"| {label} | {value} |" + (f" {spread_text} |" if several else ""))
    for label, value in (details or {}).items():
        count_lines.append(f"| {label} | {_cell(value)} |" + (" |" if several else ""))
    lines = [
        f"Upstream latency injected by the sandbox: {results['upstream_latency_ms']} ms per call.",
    ]
    if several:
        lines += [
            "",
            f"Figures of run {results['median_run']['run']} of {runs}, the median run: "
            f"{results['median_run']['criterion']}. Errors over all runs: "
            f"{results.get('errors_all_runs', results['errors'])}.",
        ]
    lines += [
        "",
        "| measure | p50 ms | p95 ms |" + (f"{extra[:-2]}, p50 / p95 |" if several else ""),
        "| --- | ---: | ---: |" + rule,
        *timing_lines,
        "",
        "| count | value |" + extra,
        "| --- | ---: |" + rule,
        *count_lines,
        "",
        "| target | measured | goal | result |" + extra,
        "| --- | ---: | --- | --- |" + rule,
        *(
            f"| {target.label} | {_cell(target.value)} | {target.goal} | {target.verdict} |"
            + spread_of(_target_path(target))
            for target in targets_check(results)
        ),
    ]
    return "\n".join(lines)
