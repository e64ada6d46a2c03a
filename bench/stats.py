"""Figures of a benchmark run: percentiles, bench-results.json, the targets and the table."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Targets of issue 7, in milliseconds.
OVERHEAD_P50_MAX = 10
OVERHEAD_P95_MAX = 25
WARM_DOORS_P50_MAX = 15
COLD_DOORS_UPSTREAM_FACTOR = 1.3
COLD_DOORS_ALLOWANCE = 20


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


def cold_doors_limit(upstream_latency_ms: float) -> float:
    """One upstream round trip (the three listings go out at once), plus a little."""
    return COLD_DOORS_UPSTREAM_FACTOR * upstream_latency_ms + COLD_DOORS_ALLOWANCE


def targets_check(results: Mapping) -> list[Target]:
    overhead = results["unlock"]["overhead_ms"]
    latency = results["upstream_latency_ms"]
    cold_limit = cold_doors_limit(latency)
    return [
        Target(
            "unlock overhead p50",
            overhead["p50"],
            f"≤ {OVERHEAD_P50_MAX} ms",
            _at_most(overhead["p50"], OVERHEAD_P50_MAX),
        ),
        Target(
            "unlock overhead p95",
            overhead["p95"],
            f"≤ {OVERHEAD_P95_MAX} ms",
            _at_most(overhead["p95"], OVERHEAD_P95_MAX),
        ),
        Target(
            "cold doors page p50",
            results["doors_cold_ms"]["p50"],
            f"≤ {cold_limit:g} ms (1.3 x {latency} + 20)",
            _at_most(results["doors_cold_ms"]["p50"], cold_limit),
        ),
        Target(
            "warm doors page p50",
            results["doors_warm_ms"]["p50"],
            f"≤ {WARM_DOORS_P50_MAX} ms",
            _at_most(results["doors_warm_ms"]["p50"], WARM_DOORS_P50_MAX),
        ),
        Target(
            "upstream calls of warm doors pages",
            results["doors_warm_upstream_calls"],
            "0",
            results["doors_warm_upstream_calls"] == 0,
        ),
        Target(
            "Butlr logins in the run", results["butlr_logins"], "1", results["butlr_logins"] == 1
        ),
        Target("errors", results["errors"], "0", results["errors"] == 0),
    ]


def _cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def table_format(results: Mapping, details: Mapping[str, object] | None = None) -> str:
    """The run as Markdown: timings, counts, then each target with PASS or MISS."""
    unlock = results["unlock"]
    timings = [
        ("unlock through Foyer", unlock["foyer_ms"]),
        ("same release straight to the sandbox", unlock["direct_ms"]),
        ("Foyer's unlock overhead", unlock["overhead_ms"]),
        ("doors page, cold (empty cache)", results["doors_cold_ms"]),
        ("doors page, warm", results["doors_warm_ms"]),
        ("occupancy dashboard", results["dashboard_ms"]),
    ]
    counts = [
        ("upstream calls per unlock", unlock["upstream_calls_per_unlock"]),
        ("upstream calls of warm doors pages", results["doors_warm_upstream_calls"]),
        ("Butlr logins", results["butlr_logins"]),
        ("Butlr reporting calls", results["butlr_reporting_calls"]),
        ("warm doors page ÷ bare Django, requests/s", results["warm_doors_vs_bare_django_rps"]),
        ("errors", results["errors"]),
        *(details or {}).items(),
    ]
    lines = [
        f"Upstream latency injected by the sandbox: {results['upstream_latency_ms']} ms per call.",
        "",
        "| measure | p50 ms | p95 ms |",
        "| --- | ---: | ---: |",
        *(f"| {label} | {_cell(ms['p50'])} | {_cell(ms['p95'])} |" for label, ms in timings),
        "",
        "| count | value |",
        "| --- | ---: |",
        *(f"| {label} | {_cell(value)} |" for label, value in counts),
        "",
        "| target | measured | goal | result |",
        "| --- | ---: | --- | --- |",
        *(
            f"| {target.label} | {_cell(target.value)} | {target.goal} | {target.verdict} |"
            for target in targets_check(results)
        ),
    ]
    return "\n".join(lines)
