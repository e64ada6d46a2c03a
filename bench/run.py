"""`make bench`: Foyer and its sandbox under gunicorn on this machine, measured under load.

Prepares throwaway databases (PostgreSQL and Redis when they answer on 127.0.0.1, as in
production; SQLite files and local-memory caches otherwise), starts the sandbox and the app
as two gunicorn servers on free local ports, drives them with bench.load, then prints the
table and writes bench-results.json. Everything it starts is stopped, and everything it
creates is removed, however the run ends.

Environment: BENCH_RUNS (1; `make bench RUNS=3`: the whole measurement again, each time
on fresh databases and servers, reporting the median run and each figure's spread),
BENCH_UPSTREAM_LATENCY_MS (50), BENCH_RESIDENTS (24), BENCH_MANAGERS (3),
BENCH_COLD_PAGES (80), BENCH_COLD_USERS (1), BENCH_THROUGHPUT_USERS (8),
BENCH_THROUGHPUT_SECONDS (10), BENCH_MIXED_SECONDS (60), BENCH_COLD_DASHBOARDS (10),
BENCH_DASHBOARD_SECONDS (10), BENCH_MANAGERS_FEW (3), BENCH_MANAGERS_MANY (30),
BENCH_MANAGERS_SECONDS (30), BENCH_PAGES_RESIDENTS (8), BENCH_PAGES_SECONDS (5),
BENCH_AMENITY_RESIDENTS (96 at most: the Harbor Point residents of the run),
BENCH_AMENITY_SECONDS (20: how long the residents poll past the minute boundary they
cross, at least 15 s after they start),
BENCH_BACKEND (auto, or sqlite),
BENCH_REDIS_DB (the first two empty databases from 3 on, claimed for the run; the sandbox
uses the next one), BENCH_APP_WORKERS (3),
BENCH_APP_THREADS (8), BENCH_SANDBOX_WORKERS (2), BENCH_SANDBOX_THREADS (16).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
import redis
from cryptography.fernet import Fernet

from bench.stats import results_build, runs_combine, table_format, targets_check

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_PATH = BASE_DIR / "bench-results.json"
GUNICORN_CONF = BASE_DIR / "config" / "gunicorn.conf.py"
POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_HOST = "127.0.0.1:6379"
REDIS_DATABASES = 16  # Redis's default
REDIS_CLAIM_KEY = "foyer-bench:claimed-by"
STARTUP_SECONDS = 60
KEEPALIVE_SECONDS = 75
# Sampling the CPUs this long before the load tells whether other work shares the machine.
BUSY_SAMPLE_SECONDS = 3
BUSY_PERCENT = 15
LOAD_SECONDS = 600


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


_STARTED = time.monotonic()


def _say(message: str) -> None:
    print(f"bench [{time.monotonic() - _STARTED:5.1f} s]: {message}", flush=True)


@dataclass(frozen=True)
class Backend:
    name: str
    app_database: str
    sandbox_database: str
    app_cache: str  # empty: local memory, which only one process can share
    sandbox_cache: str

    @property
    def shared(self) -> bool:
        return bool(self.app_cache)


def _postgres_answers() -> bool:
    try:
        with psycopg.connect(dbname="postgres", connect_timeout=2, **POSTGRES):
            return True
    except psycopg.Error:
        return False


def _redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(f"redis://{REDIS_HOST}/0", socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _postgres_run(statement: str) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **POSTGRES) as connection:
        connection.execute(statement)


def _redis_flush(url: str) -> None:
    redis.Redis.from_url(url, socket_timeout=5).flushdb()


def redis_databases_claim() -> int:
    """The first of two Redis databases for the app and the sandbox: BENCH_REDIS_DB, or else
    the first two empty ones from 3 on, claimed with a key so that a bench started at the same
    time (another worktree's) takes others: two runs sharing them would empty each other's
    cache and count each other's upstream calls."""
    if "BENCH_REDIS_DB" in os.environ:
        return _setting("BENCH_REDIS_DB", 3)
    for first in range(3, REDIS_DATABASES - 1):
        clients = [
            redis.Redis.from_url(f"redis://{REDIS_HOST}/{number}", socket_timeout=5)
            for number in (first, first + 1)
        ]
        if any(client.dbsize() for client in clients):
            continue
        if clients[0].set(REDIS_CLAIM_KEY, os.getpid(), nx=True):
            return first
    raise RuntimeError(
        f"no two empty Redis databases from 3 to {REDIS_DATABASES - 1}: set BENCH_REDIS_DB"
    )


def backend_create(workdir: Path) -> Backend:
    wanted = os.environ.get("BENCH_BACKEND", "auto")
    if wanted != "sqlite" and _postgres_answers() and _redis_answers():
        name = f"foyer_bench_{os.getpid()}"
        server = f"postgres://{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}"
        for database in (name, f"{name}_sandbox"):
            _postgres_run(f'CREATE DATABASE "{database}"')
        explicit = "BENCH_REDIS_DB" in os.environ
        cache_db = redis_databases_claim()
        backend = Backend(
            name=f"PostgreSQL + Redis (databases {cache_db} and {cache_db + 1})",
            app_database=f"{server}/{name}",
            sandbox_database=f"{server}/{name}_sandbox",
            app_cache=f"redis://{REDIS_HOST}/{cache_db}",
            sandbox_cache=f"redis://{REDIS_HOST}/{cache_db + 1}",
        )
        if explicit:
            # Claimed databases are empty but for the claim, which keeps them this run's.
            for url in (backend.app_cache, backend.sandbox_cache):
                _redis_flush(url)
        return backend
    return Backend(
        name="SQLite + local memory",
        app_database=f"sqlite:///{workdir / 'app.sqlite3'}",
        sandbox_database=f"sqlite:///{workdir / 'sandbox.sqlite3'}",
        app_cache="",
        sandbox_cache="",
    )


def backend_drop(backend: Backend) -> None:
    if not backend.shared:
        return
    for url in (backend.app_cache, backend.sandbox_cache):
        _redis_flush(url)
    for url in (backend.app_database, backend.sandbox_database):
        database = url.rsplit("/", 1)[1]
        _postgres_run(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Environments:
    app: dict[str, str]
    sandbox: dict[str, str]
    setup: dict[str, str]


def environments(*, backend: Backend, app_url: str, sandbox_url: str, latency_ms: int):
    """Production settings for both servers; nothing is inherited from the caller's own."""
    common = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.path.expanduser("~"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": "consolemail://",
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        # Plain HTTP on the loopback: no proxy sets X-Forwarded-Proto here.
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": backend.app_database,
    }
    sandbox = {
        **common,
        "SITE_URL": sandbox_url,
        "SANDBOX_ENABLED": "true",
        "SANDBOX_DATABASE_URL": backend.sandbox_database,
        "SANDBOX_FAULTS": json.dumps([{"endpoint": "*", "latency_ms": latency_ms}]),
    }
    if backend.sandbox_cache:
        sandbox["REDIS_URL"] = backend.sandbox_cache
    app = {
        **common,
        "SITE_URL": app_url,
        "SANDBOX_ENABLED": "false",
        # The sandbox's own clients, named as a real client would be: the app does not know
        # it talks to the sandbox.
        "BUTTERFLYMX_CLIENT_ID": "foyer-sandbox-client",
        "BUTTERFLYMX_CLIENT_SECRET": "foyer-sandbox-secret",
        "BUTTERFLYMX_ACCOUNTS_URL": f"{sandbox_url}/sandbox/butterflymx/accounts",
        "BUTTERFLYMX_API_URL": f"{sandbox_url}/sandbox/butterflymx/api",
        "BUTLR_CLIENT_ID": "foyer-sandbox-butlr",
        "BUTLR_CLIENT_SECRET": "foyer-sandbox-butlr-secret",
        "BUTLR_API_URL": f"{sandbox_url}/sandbox/butlr",
        # Each virtual resident taps a few doors a second: keep the per-door cooldown short
        # (they take their doors in turn) and lift the per-minute cap.
        "DOOR_COOLDOWN_SECONDS": "1",
        "UNLOCK_RATE_LIMIT_PER_MINUTE": "100000",
    }
    if backend.app_cache:
        app["REDIS_URL"] = backend.app_cache
    setup = {
        **app,
        "SANDBOX_ENABLED": "true",
        "SANDBOX_DATABASE_URL": backend.sandbox_database,
    }
    return Environments(app=app, sandbox=sandbox, setup=setup)


def _static_current() -> bool:
    """Whether collectstatic's manifest is newer than every file of the project's own static
    folder (compressing every file again takes half a minute on two cores)."""
    manifest = BASE_DIR / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    return all(
        path.stat().st_mtime <= built for path in (BASE_DIR / "static").rglob("*") if path.is_file()
    )


def _run(command: list[str], *, env: dict[str, str], log: Path) -> None:
    with open(log, "ab") as output:
        result = subprocess.run(  # noqa: S603
            command, cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT, check=False
        )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed; see {log}")


class Server:
    """A gunicorn server in a process group of its own, so that stopping it stops its
    workers too."""

    def __init__(
        self, *, name: str, env: dict[str, str], port: int, workers: int, threads: int, log: Path
    ):
        self.name, self.log = name, log
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "gunicorn"]
        if GUNICORN_CONF.exists():
            command += ["--config", str(GUNICORN_CONF)]
        command += [
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            # An idle connection is kept open longer than any pause of the load (the
            # configuration's 5 s is for a proxy in front): the load generator does not send
            # a request again when the server closed its connection just as it was sent,
            # which would count as a failed request of the server's own.
            "--keep-alive",
            str(KEEPALIVE_SECONDS),
            "config.wsgi",
        ]
        with open(self.log, "wb") as output:
            self.process = subprocess.Popen(  # noqa: S603
                command,
                cwd=BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.name} server exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the {self.name} server did not become healthy; see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _load(plan: dict, workdir: Path) -> dict:
    plan_path, raw_path = workdir / "plan.json", workdir / "raw.json"
    plan_path.write_text(json.dumps(plan))
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bench.load", str(plan_path), str(raw_path)],
        cwd=BASE_DIR,
        start_new_session=True,
    )
    try:
        if process.wait(timeout=LOAD_SECONDS) != 0:
            raise RuntimeError("the load generator failed")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return json.loads(raw_path.read_text())


def _details(raw: dict, backend: Backend, plan: dict) -> dict[str, object]:
    cold_pages = len(raw["cold"]["doors_ms"])
    cold_calls = sum(
        count for name, count in raw["cold"]["calls"].items() if name.startswith("butterflymx.")
    )
    warm = raw["warm"]
    mixed = raw["mixed"]
    return {
        "upstream calls per cold doors page": round(cold_calls / cold_pages, 2)
        if cold_pages
        else None,
        "warm doors page, requests/s": round(
            warm["doors"]["requests"] / warm["doors"]["seconds"], 1
        ),
        "bare Django (GET /healthz), requests/s": round(
            warm["bare"]["requests"] / warm["bare"]["seconds"], 1
        ),
        "samples: cold pages / warm pages / unlocks / direct releases / dashboards": " / ".join(
            str(len(timings))
            for timings in (
                raw["cold"]["doors_ms"],
                mixed["doors_warm_ms"],
                mixed["unlock_foyer_ms"],
                mixed["unlock_direct_ms"],
                mixed["dashboard_ms"],
            )
        ),
        "samples: cold / warm dashboards alone; few / many managers' dashboards; "
        "amenity polls": " / ".join(
            str(count)
            for count in (
                len(raw["dashboards"]["cold_ms"]),
                len(raw["dashboards"]["warm_ms"]),
                raw["managers"]["few"]["dashboards"],
                raw["managers"]["many"]["dashboards"],
                len(raw["amenities"]["ms"]),
            )
        ),
        "app CPU per cold doors page / warm doors page / GET /healthz, ms": " / ".join(
            str(raw["cpu"][name])
            for name in ("app_ms_per_cold_page", "app_ms_per_warm_page", "app_ms_per_healthz")
        ),
        "sandbox CPU per upstream call, ms": raw["cpu"]["sandbox_ms_per_call"],
        "virtual residents / managers (mixed phase)": f"{plan['residents']} / {plan['managers']}",
        "databases and cache": backend.name,
    }


def measure(run: int, runs: int) -> tuple[dict, dict, list[str]]:
    """One whole measurement on fresh databases and servers: its results, the table's
    details, and its failures."""
    latency_ms = _setting("BENCH_UPSTREAM_LATENCY_MS", 50)
    residents = _setting("BENCH_RESIDENTS", 24)
    cold_pages = _setting("BENCH_COLD_PAGES", 80)
    pages_residents = _setting("BENCH_PAGES_RESIDENTS", 8)
    workdir = Path(tempfile.mkdtemp(prefix="foyer-bench-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        if runs > 1:
            _say(f"run {run} of {runs}")
        _say("preparing throwaway databases")
        backend = backend_create(workdir)
        cleanup.callback(backend_drop, backend)
        app_port, sandbox_port = _free_port(), _free_port()
        envs = environments(
            backend=backend,
            app_url=f"http://127.0.0.1:{app_port}",
            sandbox_url=f"http://127.0.0.1:{sandbox_port}",
            latency_ms=latency_ms,
        )
        log = workdir / "setup.log"
        _say(
            f"{backend.name}: migrating, seeding, linking amenities, creating "
            f"{residents + cold_pages + pages_residents} residents"
        )
        identities_path = workdir / "identities.json"
        _run(
            [
                sys.executable,
                "-m",
                "bench.setup",
                str(identities_path),
                f"--residents={residents}",
                f"--cold-residents={cold_pages}",
                f"--skyline-residents={pages_residents}",
            ],
            env=envs.setup,
            log=log,
        )
        if not _static_current():
            _say("collecting static files for production (once)")
            _run(
                [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity=0"],
                env=envs.app,
                log=log,
            )
        # Local memory is per process: without Redis each server must be one process.
        shared = backend.shared
        _say("starting the sandbox and the app under gunicorn")
        servers = [
            Server(
                name="sandbox",
                env=envs.sandbox,
                log=workdir / "sandbox.log",
                port=sandbox_port,
                workers=_setting("BENCH_SANDBOX_WORKERS", 2) if shared else 1,
                threads=_setting("BENCH_SANDBOX_THREADS", 16),
            ),
            Server(
                name="app",
                env=envs.app,
                log=workdir / "app.log",
                port=app_port,
                workers=_setting("BENCH_APP_WORKERS", 3) if shared else 1,
                threads=_setting("BENCH_APP_THREADS", 8),
            ),
        ]
        for server in servers:
            cleanup.callback(server.stop)
        for server in servers:
            server.wait_healthy()
        identities = json.loads(identities_path.read_text())
        plan = {
            "app_url": servers[1].url,
            "app_pid": servers[1].process.pid,
            "sandbox_pid": servers[0].process.pid,
            "sandbox_url": servers[0].url,
            # The occupancy keys of the app's cache are deleted before each cold dashboard.
            "app_cache": backend.app_cache,
            "identities": identities,
            "residents": residents,
            "managers": _setting("BENCH_MANAGERS", 3),
            "cold_users": _setting("BENCH_COLD_USERS", 1),
            "throughput_users": _setting("BENCH_THROUGHPUT_USERS", 8),
            "throughput_seconds": _setting("BENCH_THROUGHPUT_SECONDS", 10),
            "mixed_seconds": _setting("BENCH_MIXED_SECONDS", 60),
            "cold_dashboards": _setting("BENCH_COLD_DASHBOARDS", 10),
            "dashboard_seconds": _setting("BENCH_DASHBOARD_SECONDS", 10),
            "managers_few": _setting("BENCH_MANAGERS_FEW", 3),
            "managers_many": _setting("BENCH_MANAGERS_MANY", 30),
            "managers_seconds": _setting("BENCH_MANAGERS_SECONDS", 30),
            "pages_residents": pages_residents,
            "pages_seconds": _setting("BENCH_PAGES_SECONDS", 5),
            "amenity_buildings": identities["amenity_buildings"],
            "amenity_residents": _setting("BENCH_AMENITY_RESIDENTS", 96),
            "amenity_seconds": _setting("BENCH_AMENITY_SECONDS", 20),
        }
        # With both servers idle, whatever keeps the CPUs busy now is someone else's work.
        busy_before = psutil.cpu_percent(interval=BUSY_SAMPLE_SECONDS)
        _say("driving the load")
        raw = _load(plan, workdir)
        results = results_build(upstream_latency_ms=latency_ms, raw=raw)
        details = _details(raw, backend, plan)
        details["CPU busy with other work before the load"] = (
            f"{busy_before:.0f} % of {os.cpu_count()} cores"
        )
        if busy_before > BUSY_PERCENT:
            _say(
                f"other work kept {busy_before:.0f} % of the CPUs busy before the load began: "
                "every timing of this run is inflated by it"
            )
        for failure in raw["failures"]:
            _say(f"failed: {failure}")
        return results, details, raw["failures"]


def main() -> int:
    runs = max(1, _setting("BENCH_RUNS", 1))
    measured = [measure(run, runs) for run in range(1, runs + 1)]
    results = runs_combine([found for found, _, _ in measured])
    RESULTS_PATH.write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(table_format(results, measured[results["median_run"]["run"] - 1][1]))
    print()
    missed = [target.label for target in targets_check(results) if not target.passed]
    _say(f"wrote {RESULTS_PATH.name}; targets missed: {', '.join(missed) or 'none'}")
    return 1 if results["errors_all_runs"] else 0


if __name__ == "__main__":
    sys.exit(main())
