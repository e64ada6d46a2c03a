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
   release straight to the sandbox, while managers load the occupancy dashboard.
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
DOORS_MARKER = 'id="entrances-heading"'
UNLOCKED_MARKER = "Opened at"
DASHBOARD_MARKER = "<h2>Floors</h2>"
STALE_MARKER = "occupancy-notice"
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


class Manager(_Person):
    abstract = True
    wait_time = between(2, 5)
    me: dict = {}

    @task
    def dashboard(self):
        with self.client.get(
            "/dashboard/", name="dashboard", headers=_cookies(self.me), catch_response=True
        ) as response:
            _expect(response, 200, DASHBOARD_MARKER, absent=STALE_MARKER)


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

    timings = recorder.timings
    return {
        "cold": {"doors_ms": timings["doors_cold"], "calls": cold_calls},
        "warm": {"doors": doors_rate, "bare": bare_rate, "calls": warm_calls},
        "mixed": {
            "unlock_foyer_ms": timings["unlock_foyer"],
            "unlock_direct_ms": timings["unlock_direct"],
            "direct_sent": recorder.attempts["unlock_direct"],
            "doors_warm_ms": timings["doors_warm"],
            "dashboard_ms": timings["dashboard"],
            "calls": _delta(after, before),
        },
        "run_calls": _delta(after, at_start),
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
