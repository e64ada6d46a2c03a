"""The benchmark's load: virtual residents and managers driven by locust, phase by phase.

Run by bench.run as ``python -m bench.load PLAN OUT``. PLAN (JSON) names the two servers,
the identities bench.setup made and the size of each phase. OUT receives the raw timings
(milliseconds, body included), the number of failed requests and, for each phase, the
sandbox's calls by endpoint made during it. The phases, one after the other:

1. warm-up: each resident of the main crowd opens their doors page once (not timed) and
   keeps the doors it offers;
2. cold: fresh residents, each opening their doors page for the first time (the listing is
   cached per resident, so a new resident meets an empty cache);
3. throughput: the warm doors page, then GET /healthz, each as fast as a few users go;
4. mixed: residents open their (warm) doors page, unlock through Foyer and send the same
   release straight to the sandbox, while managers load the occupancy dashboard;
5. cold dashboard: one manager loads the dashboard, each time after the app's occupancy
   cache keys were deleted from its Redis (skipped without Redis);
6. warm dashboard: one manager loads the dashboard back to back, for its timings and the
   app's CPU per dashboard;
7. new pages: the visitor passes page, a tenancy's history and the doors page of the
   500-door building, each first opened once per resident (cold), then loaded again and
   again (warm);
8. managers: a few managers load the dashboard for a while, then, at the same second of a
   later minute, ten times as many; each crowd has a minute boundary halfway through (never
   a five-minute one, where longer windows end too), and starts just after one dashboard
   filled the current window's cache (and the topology's, when it would expire during the
   crowd);
9. amenities: one Harbor Point resident asks for the doors page's amenity partial (filling
   its cache), then many poll it, across the next minute boundary.
"""

import json
import re
import sys
import time
from collections import defaultdict
from itertools import cycle

import gevent
import psutil
from locust import FastHttpUser, between, constant, task
from locust.env import Environment
from locust.exception import StopUser
from requests import Session

# Users left to finish the request they are in when a phase ends.
STOP_SECONDS = 15
# Throughput is counted from this long after the last user started.
SETTLE_SECONDS = 1.0
# A manager's dashboard fills the current window's cache this long before a crowd starts.
PRIME_SECONDS = 5
# The amenities are polled at least this long before the minute boundary they cross.
AMENITY_MIN_SECONDS = 15
DOORS_MARKER = 'id="entrances-heading"'
UNLOCKED_MARKER = "Opened at"
DASHBOARD_MARKER = "<h2>Floors</h2>"
STALE_MARKER = "occupancy-notice"
AMENITIES_MARKER = 'id="amenities-heading"'
VISITORS_MARKER = 'id="pass-list"'
HISTORY_MARKER = 'class="history-filters"'
HISTORY_UNAVAILABLE = "history-unavailable"
# A building with hundreds of doors lists none at first: the page offers a search instead.
FIND_MARKER = 'id="find-heading"'
# The app's cache keys of occupancy figures (Django's KEY_PREFIX:VERSION:key): Butlr's
# answers, their last good copies and the figures made of them. Butlr's token is kept.
OCCUPANCY_KEYS = "*:occupancy:*"
TOPOLOGY_KEY = "*:occupancy:topology"
UNLOCK_PATH = re.compile(r"/doors/\d+/\d+/(access_point|device)/(\d+)/unlock/")


class Recorder:
    """Every request's outcome, by the name it was sent under."""

    def __init__(self):
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.finished: dict[str, list[float]] = defaultdict(list)
        self.attempts: dict[str, int] = defaultdict(int)
        self.failures: list[str] = []

    def on_request(self, name, response_time, exception=None, **kwargs):
        self.attempts[name] += 1
        if exception is not None:
            self.failures.append(f"{name}: {exception}")
            return
        self.timings[name].append(response_time)
        self.finished[name].append(time.time())

    def rate(self, name: str, start: float, stop: float) -> dict[str, float]:
        done = sum(1 for moment in self.finished[name] if start <= moment <= stop)
        return {"requests": done, "seconds": round(stop - start, 3)}


def _say(message: str) -> None:
    print(f"bench load: {message}", flush=True)


def _cookies(me: dict) -> dict[str, str]:
    return {"Cookie": f"sessionid={me['session']}; csrftoken={me['csrf']}"}


def _doors_on(page: str) -> list[dict]:
    """The doors a doors page offers to open, in page order, each once."""
    return [
        {"kind": kind, "id": int(door_id)}
        for kind, door_id in dict.fromkeys(UNLOCK_PATH.findall(page))
    ]


def _expect(response, status: int, marker: str | None = None, absent: str | None = None):
    if response.status_code != status:
        response.failure(f"answered {response.status_code}, expected {status}")
    elif marker is not None and marker not in response.text:
        response.failure(f"the answer lacks {marker!r}")
    elif absent is not None and absent in response.text:
        response.failure(f"the answer shows {absent!r}")
    else:
        response.success()


class _Person(FastHttpUser):
    abstract = True
    connection_timeout = 5.0
    network_timeout = 30.0
    pool = iter(())

    def doors_get(self, me: dict, *, name: str) -> str:
        path = f"/doors/{me['building_id']}/{me['tenant_id']}/"
        with self.client.get(
            path, name=name, headers=_cookies(me), catch_response=True
        ) as response:
            _expect(response, 200, DOORS_MARKER)
            return response.text or ""


class FirstVisit(_Person):
    """Opens the doors page of the next resident of the pool, once per resident."""

    abstract = True
    wait_time = constant(0)
    sample = "warmup"

    @task
    def first_visit(self):
        me = next(self.pool, None)
        if me is None:
            raise StopUser
        # Residents later tap the doors their page offers them.
        me["doors"] = _doors_on(self.doors_get(me, name=self.sample))


class WarmUp(FirstVisit):
    abstract = True


class ColdVisit(FirstVisit):
    abstract = True
    sample = "doors_cold"


class WarmReader(_Person):
    abstract = True
    wait_time = constant(0)

    def on_start(self):
        self.me = next(self.pool)

    @task
    def doors(self):
        self.doors_get(self.me, name="doors_throughput")


class BareDjango(_Person):
    abstract = True
    wait_time = constant(0)

    @task
    def healthz(self):
        with self.client.get("/healthz", name="bare", catch_response=True) as response:
            _expect(response, 200, '"ok"')


class Resident(_Person):
    abstract = True
    wait_time = between(0.5, 1.5)
    sandbox_url = ""

    def on_start(self):
        self.me = next(self.pool)
        if not self.me.get("doors"):
            # Its first visit failed, and was counted as an error.
            raise StopUser
        # Each door in turn, so that no tap lands within the door's cooldown.
        self.foyer_doors = cycle(self.me["doors"])
        self.direct_doors = cycle(self.me["doors"])

    @task(2)
    def doors(self):
        self.doors_get(self.me, name="doors_warm")

    @task
    def unlock_through_foyer(self):
        me, door = self.me, next(self.foyer_doors)
        path = f"/doors/{me['building_id']}/{me['tenant_id']}/{door['kind']}/{door['id']}/unlock/"
        headers = {**_cookies(me), "X-CSRFToken": me["csrf"], "HX-Request": "true"}
        with self.client.post(
            path, name="unlock_foyer", headers=headers, catch_response=True
        ) as response:
            _expect(response, 200, UNLOCKED_MARKER)

    @task
    def unlock_direct(self):
        me, door = self.me, next(self.direct_doors)
        release = {"tenant_id": me["tenant_id"], f"{door['kind']}_id": door["id"]}
        body = {"door_release_request": release}
        with self.client.post(
            f"{self.sandbox_url}/sandbox/butterflymx/api/v4/door_release_requests",
            name="unlock_direct",
            json=body,
            headers={"Authorization": f"Bearer {me['token']}"},
            catch_response=True,
        ) as response:
            _expect(response, 201)


class _Dashboard(_Person):
    abstract = True
    me: dict = {}
    sample = "dashboard"

    def dashboard_get(self):
        with self.client.get(
            "/dashboard/", name=self.sample, headers=_cookies(self.me), catch_response=True
        ) as response:
            _expect(response, 200, DASHBOARD_MARKER, absent=STALE_MARKER)


class Manager(_Dashboard):
    abstract = True
    wait_time = between(2, 5)

    @task
    def dashboard(self):
        self.dashboard_get()


class DashboardOnce(_Dashboard):
    """Loads the dashboard once per item of the pool; with ``cache_url``, each time with
    nothing cached."""

    abstract = True
    wait_time = constant(0)
    cache_url = ""

    @task
    def dashboard(self):
        if next(self.pool, None) is None:
            raise StopUser
        if self.cache_url:
            occupancy_cache_empty(self.cache_url)
        self.dashboard_get()


class PageReader(_Person):
    """Loads one page of the resident pages (``page``) of the next resident of the pool."""

    abstract = True
    wait_time = constant(0)
    page = "visitors"
    sample = "visitors"
    once = False

    @task
    def read(self):
        me = next(self.pool, None)
        if me is None:
            raise StopUser
        tenancy = f"/doors/{me['building_id']}/{me['tenant_id']}/"
        path, marker, absent = {
            "visitors": (f"{tenancy}visitors/", VISITORS_MARKER, None),
            "history": (f"{tenancy}history/", HISTORY_MARKER, HISTORY_UNAVAILABLE),
            "skyline_doors": (tenancy, FIND_MARKER, None),
        }[self.page]
        with self.client.get(
            path, name=self.sample, headers=_cookies(me), catch_response=True
        ) as response:
            _expect(response, 200, marker, absent=absent)


class _Amenities(_Person):
    abstract = True
    sample = "amenities"

    def amenities_get(self, me: dict):
        path = f"/doors/{me['building_id']}/{me['tenant_id']}/amenities/"
        headers = {**_cookies(me), "HX-Request": "true"}
        with self.client.get(
            path, name=self.sample, headers=headers, catch_response=True
        ) as response:
            _expect(response, 200, AMENITIES_MARKER)


class AmenityPoller(_Amenities):
    """A resident whose doors page is open: htmx asks for the amenities now and then (every
    minute in a browser; more often here, to gather samples)."""

    abstract = True
    wait_time = between(5, 15)

    def on_start(self):
        self.me = next(self.pool)

    @task
    def amenities(self):
        self.amenities_get(self.me)


class AmenityOnce(_Amenities):
    """Each resident of the pool asks for the amenities once."""

    abstract = True
    wait_time = constant(0)
    sample = "amenities_prime"

    @task
    def amenities(self):
        me = next(self.pool, None)
        if me is None:
            raise StopUser
        self.amenities_get(me)


def occupancy_cache_empty(url: str) -> int:
    """Delete the app's occupancy keys from its Redis database; returns how many."""
    import redis  # here: after locust has patched the standard library for gevent

    client = redis.Redis.from_url(url, socket_timeout=5)
    keys = list(client.scan_iter(match=OCCUPANCY_KEYS, count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


def occupancy_topology_renew(url: str, until: float) -> bool:
    """Delete the app's cached topology if it would expire before ``until`` (epoch seconds),
    so that the next dashboard fetches it again; returns whether it did."""
    import redis  # here: after locust has patched the standard library for gevent

    client = redis.Redis.from_url(url, socket_timeout=5)
    for key in client.scan_iter(match=TOPOLOGY_KEY, count=1000):
        left = client.pttl(key)
        if left >= 0 and time.time() + left / 1000 < until:
            client.delete(key)
            return True
    return False


def _crowd(base: type, count: int, **attributes) -> type:
    """A concrete user class for one phase: ``count`` users sharing ``attributes``."""
    return type(base.__name__, (base,), {"abstract": False, "fixed_count": count, **attributes})


def _phase(classes: list[type], *, host: str, seconds: float, recorder: Recorder, done=None):
    """Run the users until ``seconds`` pass or ``done()``; returns when the last user started
    and when stopping began (seconds since the epoch)."""
    env = Environment(user_classes=classes, host=host, stop_timeout=STOP_SECONDS)
    env.events.request.add_listener(recorder.on_request)
    runner = env.create_local_runner()
    deadline = time.monotonic() + seconds
    runner.start(sum(cls.fixed_count for cls in classes), spawn_rate=100)
    runner.spawning_greenlet.join()
    started = time.time()
    while time.monotonic() < deadline and not (done and done()):
        gevent.sleep(0.05)
    stopping = time.time()
    runner.quit()
    return started, stopping


class Sandbox:
    """The sandbox's call counters, read over HTTP as any outsider would."""

    def __init__(self, url: str):
        self.url = url
        self.session = Session()

    def calls(self) -> dict[str, int]:
        response = self.session.get(f"{self.url}/sandbox/_control", timeout=10)
        response.raise_for_status()
        return response.json()["calls"]


def _cpu_seconds(pid: int) -> float:
    """CPU time a server has used so far: its master and every worker."""
    server = psutil.Process(pid)
    total = 0.0
    for process in [server, *server.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def _per_request_ms(cpu_before: float, cpu_after: float, requests: int) -> float | None:
    return round((cpu_after - cpu_before) * 1000 / requests, 2) if requests else None


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {
        name: after[name] - before.get(name, 0)
        for name in after
        if after[name] != before.get(name, 0)
    }


def _minutes_touched(start: float, stop: float) -> int:
    """How many clock minutes the span from ``start`` to ``stop`` (epoch seconds) touches."""
    return int(stop // 60) - int(start // 60) + 1


def _boundary_fit(start: float, seconds: float) -> float:
    """The first of ``start``, a minute later, two minutes later... that leaves time to fill
    the cache first and whose minute boundary halfway through is not a five-minute one."""
    while start < time.time() + PRIME_SECONDS + 1 or int((start + seconds / 2) // 60) % 5 == 0:
        start += 60
    return start


def _managers_figures(
    count: int, started: float, stopping: float, calls: dict, timings: list[float]
) -> dict:
    return {
        "managers": count,
        "dashboards": len(timings),
        "dashboard_ms": timings,
        "seconds": round(stopping - started, 3),
        "second_of_minute": round(started % 60, 1),
        "minutes_touched": _minutes_touched(started, stopping),
        "calls": calls,
    }


PAGES = (
    ("visitors", "residents"),
    ("history", "residents"),
    ("skyline_doors", "skyline"),
)


def _pages_run(plan: dict, identities: dict, *, app: str, sandbox, recorder) -> dict:
    """Each new page: first opened once by each of its residents, one at a time (cold), then
    loaded by them in turn for a few seconds (warm); the sandbox's calls around each."""
    pages = {}
    for page, crowd in PAGES:
        people = identities[crowd][: plan["pages_residents"]]
        _say(f"{page} page: {len(people)} first visits, then {plan['pages_seconds']} s warm")
        figures, wanted = {}, len(people)
        for temperature in ("cold", "warm"):
            sample = f"{page}_{temperature}"
            before = sandbox.calls()
            if temperature == "cold":
                classes = [_crowd(PageReader, 1, page=page, sample=sample, pool=iter(people))]
                _phase(
                    classes,
                    host=app,
                    seconds=60,
                    recorder=recorder,
                    done=lambda sample=sample, wanted=wanted: recorder.attempts[sample] >= wanted,
                )
            else:
                users = min(plan["throughput_users"], len(people))
                classes = [_crowd(PageReader, users, page=page, sample=sample, pool=cycle(people))]
                _phase(classes, host=app, seconds=plan["pages_seconds"], recorder=recorder)
            figures[temperature] = {
                "ms": recorder.timings[sample],
                "calls": _delta(sandbox.calls(), before),
            }
        pages[page] = figures
    return pages


def _amenities_run(
    plan: dict, people: list[dict], *, app: str, sandbox, recorder, until: float
) -> dict:
    """Residents of the linked buildings poll the amenity partial till ``until`` (epoch
    seconds). One of them asks first, alone, filling the cache; the sandbox's calls for that
    are counted apart."""
    pollers = [me for me in people if me["building_id"] in plan["amenity_buildings"]]
    pollers = pollers[: plan["amenity_residents"]]
    before = sandbox.calls()
    if pollers:
        _phase(
            [_crowd(AmenityOnce, 1, pool=iter(pollers[:1]))],
            host=app,
            seconds=30,
            recorder=recorder,
            done=lambda: recorder.attempts["amenities_prime"] >= 1,
        )
    prime_calls = _delta(sandbox.calls(), before)
    seconds = max(AMENITY_MIN_SECONDS, until - time.time())
    _say(f"amenities: {len(pollers)} residents poll the amenities for {seconds:.0f} s")
    before = sandbox.calls()
    started = stopping = time.time()
    if pollers:
        started, stopping = _phase(
            [_crowd(AmenityPoller, len(pollers), pool=iter(pollers))],
            host=app,
            seconds=seconds,
            recorder=recorder,
        )
    return {
        "ms": recorder.timings["amenities"],
        "residents": len(pollers),
        "linked_buildings": len(plan["amenity_buildings"]),
        "seconds": round(stopping - started, 3),
        "minutes_touched": _minutes_touched(started, stopping),
        "calls": _delta(sandbox.calls(), before),
        "prime_calls": prime_calls,
    }


def run(plan: dict) -> dict:
    app, sandbox = plan["app_url"], Sandbox(plan["sandbox_url"])
    identities = plan["identities"]
    residents, cold = identities["residents"], identities["cold_residents"]
    recorder = Recorder()
    at_start = sandbox.calls()

    _say(f"warm-up: {len(residents)} residents open their doors page once")
    _phase(
        [_crowd(WarmUp, min(8, len(residents)), pool=iter(residents))],
        host=app,
        seconds=60,
        recorder=recorder,
        done=lambda: recorder.attempts["warmup"] >= len(residents),
    )

    before = sandbox.calls()
    app_cpu, sandbox_cpu = _cpu_seconds(plan["app_pid"]), _cpu_seconds(plan["sandbox_pid"])
    _say(f"cold: {len(cold)} first visits, {plan['cold_users']} at a time")
    _phase(
        [_crowd(ColdVisit, plan["cold_users"], pool=iter(cold))],
        host=app,
        seconds=60,
        recorder=recorder,
        done=lambda: recorder.attempts["doors_cold"] >= len(cold),
    )
    cold_calls = _delta(sandbox.calls(), before)
    cpu = {
        "app_ms_per_cold_page": _per_request_ms(
            app_cpu, _cpu_seconds(plan["app_pid"]), len(recorder.timings["doors_cold"])
        ),
        "sandbox_ms_per_call": _per_request_ms(
            sandbox_cpu, _cpu_seconds(plan["sandbox_pid"]), sum(cold_calls.values())
        ),
    }

    before = sandbox.calls()
    _say(f"throughput: warm doors page, then GET /healthz, {plan['throughput_users']} users each")
    readers = _crowd(WarmReader, plan["throughput_users"], pool=cycle(residents))
    app_cpu = _cpu_seconds(plan["app_pid"])
    started, stopping = _phase(
        [readers], host=app, seconds=plan["throughput_seconds"], recorder=recorder
    )
    doors_rate = recorder.rate("doors_throughput", started + SETTLE_SECONDS, stopping)
    warm_calls = _delta(sandbox.calls(), before)
    cpu["app_ms_per_warm_page"] = _per_request_ms(
        app_cpu, _cpu_seconds(plan["app_pid"]), len(recorder.timings["doors_throughput"])
    )
    app_cpu = _cpu_seconds(plan["app_pid"])
    started, stopping = _phase(
        [_crowd(BareDjango, plan["throughput_users"])],
        host=app,
        seconds=plan["throughput_seconds"],
        recorder=recorder,
    )
    bare_rate = recorder.rate("bare", started + SETTLE_SECONDS, stopping)
    cpu["app_ms_per_healthz"] = _per_request_ms(
        app_cpu, _cpu_seconds(plan["app_pid"]), len(recorder.timings["bare"])
    )

    before = sandbox.calls()
    _say(
        f"mixed: {len(residents)} residents and {plan['managers']} managers "
        f"for {plan['mixed_seconds']} s"
    )
    crowd = [
        _crowd(
            Resident,
            len(residents),
            pool=iter(residents),
            sandbox_url=plan["sandbox_url"],
        ),
        _crowd(Manager, plan["managers"], me=identities["manager"]),
    ]
    _phase(crowd, host=app, seconds=plan["mixed_seconds"], recorder=recorder)
    after = sandbox.calls()
    mixed_calls = _delta(after, before)

    manager = identities["manager"]

    def dashboards_once(sample: str, count: int, cache_url: str = "") -> None:
        wanted = recorder.attempts[sample] + count
        _phase(
            [
                _crowd(
                    DashboardOnce,
                    1,
                    me=manager,
                    sample=sample,
                    pool=iter(range(count)),
                    cache_url=cache_url,
                )
            ],
            host=app,
            seconds=30 + 10 * count,
            recorder=recorder,
            done=lambda: recorder.attempts[sample] >= wanted,
        )

    dashboards = {}
    before = sandbox.calls()
    cold_dashboards = plan["cold_dashboards"] if plan.get("app_cache") else 0
    _say(f"cold dashboard: {cold_dashboards} loads, each with the occupancy cache emptied")
    app_cpu, sandbox_cpu = _cpu_seconds(plan["app_pid"]), _cpu_seconds(plan["sandbox_pid"])
    if cold_dashboards:
        dashboards_once("dashboard_cold", cold_dashboards, plan["app_cache"])
    dashboards["cold_calls"] = _delta(sandbox.calls(), before)
    loaded = len(recorder.timings["dashboard_cold"])
    cpu["app_ms_per_cold_dashboard"] = _per_request_ms(
        app_cpu, _cpu_seconds(plan["app_pid"]), loaded
    )
    cpu["sandbox_ms_per_cold_dashboard"] = _per_request_ms(
        sandbox_cpu, _cpu_seconds(plan["sandbox_pid"]), loaded
    )

    before = sandbox.calls()
    _say(f"warm dashboard: one manager, back to back, for {plan['dashboard_seconds']} s")
    app_cpu = _cpu_seconds(plan["app_pid"])
    _phase(
        [_crowd(Manager, 1, me=manager, wait_time=constant(0), sample="dashboard_alone")],
        host=app,
        seconds=plan["dashboard_seconds"],
        recorder=recorder,
    )
    cpu["app_ms_per_dashboard"] = _per_request_ms(
        app_cpu, _cpu_seconds(plan["app_pid"]), len(recorder.timings["dashboard_alone"])
    )
    dashboards["warm_calls"] = _delta(sandbox.calls(), before)

    managers = {}
    few, many = plan["managers_few"], plan["managers_many"]
    seconds = plan["managers_seconds"]
    # Both crowds start at the same second of a minute, the minute's boundary halfway
    # through, each one just after a single dashboard has filled the current window's cache.
    # The new pages are measured while the first crowd's start comes.
    pages = _pages_run(plan, identities, app=app, sandbox=sandbox, recorder=recorder)
    offset = (60 - seconds / 2) % 60
    start = time.time()
    start += (offset - start % 60) % 60
    start = _boundary_fit(start, seconds)
    for key, count, sample in (("few", few, "dashboard_few"), ("many", many, "dashboard_many")):
        if key == "many":
            start += 60
            start = _boundary_fit(start, seconds)
        _say(
            f"managers: {count} managers for {seconds} s, "
            f"from {time.strftime('%H:%M:%S', time.gmtime(start))} UTC"
        )
        gevent.sleep(max(0.0, start - PRIME_SECONDS - time.time()))
        # The topology is kept for minutes from whenever it was fetched: one that would
        # expire during this crowd is fetched again now, with the current window's figures.
        if plan.get("app_cache"):
            occupancy_topology_renew(plan["app_cache"], start + seconds)
        dashboards_once("dashboard_prime", 1)
        gevent.sleep(max(0.0, start - time.time()))
        before = sandbox.calls()
        started, stopping = _phase(
            [_crowd(Manager, count, me=manager, sample=sample)],
            host=app,
            seconds=seconds,
            recorder=recorder,
        )
        managers[key] = _managers_figures(
            count, started, stopping, _delta(sandbox.calls(), before), recorder.timings[sample]
        )

    # The residents poll across a minute boundary, when the amenities' figures go stale.
    boundary = (time.time() // 60 + 1) * 60
    if boundary - time.time() < AMENITY_MIN_SECONDS:
        boundary += 60
    amenities = _amenities_run(
        plan,
        [*residents, *cold],
        app=app,
        sandbox=sandbox,
        recorder=recorder,
        until=boundary + plan["amenity_seconds"],
    )

    timings = recorder.timings
    dashboards.update(
        cold_ms=timings["dashboard_cold"],
        warm_ms=timings["dashboard_alone"],
        cold_cleared=cold_dashboards,
    )
    return {
        "dashboards": dashboards,
        "managers": managers,
        "pages": pages,
        "amenities": amenities,
        "cold": {"doors_ms": timings["doors_cold"], "calls": cold_calls},
        "warm": {"doors": doors_rate, "bare": bare_rate, "calls": warm_calls},
        "mixed": {
            "unlock_foyer_ms": timings["unlock_foyer"],
            "unlock_direct_ms": timings["unlock_direct"],
            "direct_sent": recorder.attempts["unlock_direct"],
            "doors_warm_ms": timings["doors_warm"],
            "dashboard_ms": timings["dashboard"],
            "calls": mixed_calls,
        },
        "run_calls": _delta(sandbox.calls(), at_start),
        "cpu": cpu,
        "errors": len(recorder.failures),
        "failures": recorder.failures[:20],
    }


def main() -> None:
    plan_path, out_path = sys.argv[1:3]
    with open(plan_path, encoding="utf-8") as plan_file:
        plan = json.load(plan_file)
    raw = run(plan)
    with open(out_path, "w", encoding="utf-8") as out:
        json.dump(raw, out)


if __name__ == "__main__":
    main()
