"""Fault injection and call counting shared by the sandbox's stand-in services.

Every sandbox endpoint has a name such as ``butterflymx.door_release`` or
``butlr.reporting`` and is wrapped by :func:`endpoint`. Each call is counted, so tests and
benchmarks can assert how many upstream calls an action made. Faults apply only to calls
that authenticate as the endpoint asks (a live token, the client's credentials): a stranger
can make no worker wait. A fault matches an endpoint by exact name, by a prefix pattern
(``butterflymx.*``) or ``*``, and does one of:

- ``latency_ms``: waits before answering (may be combined with any kind below);
- ``kind="status"``: answers ``status`` with ``headers`` and ``body`` (default: the
  service's own error envelope for that status);
- ``kind="hang"``: waits ``hang_seconds`` (past any sane client timeout) or until the fault
  is cleared, then answers 504;
- ``kind="malformed"``: 200 with a body that is not JSON;
- ``kind="html"``: ``status`` (default 502) with an HTML page, as a proxy in front would;
- ``kind="drop"``: starts a response and drops the connection mid-body.

A fault applies to the next ``times`` calls, to a ``fraction`` of calls, or to every call.
Faults come from the SANDBOX_FAULTS setting (for whole runs and benchmarks) and from
:func:`fault_add` or the control endpoint (for tests). State lives in the cache, so that
every thread and, with Redis, every process of the sandbox sees the same faults and counts.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import random
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

KINDS = {"status", "hang", "malformed", "html", "drop"}
_FAULTS_KEY = "sandbox:faults"
_NAMES: set[str] = set()


@dataclass
class Fault:
    endpoint: str = "*"
    kind: str | None = None
    status: int | None = None
    latency_ms: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: object = None
    times: int | None = None
    fraction: float | None = None
    hang_seconds: float = 30.0
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self):
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.kind == "status" and not self.status:
            raise ValueError("a status fault needs a status")

    def matches(self, name: str) -> bool:
        return fnmatch.fnmatchcase(name, self.endpoint)


def _calls_key(name: str) -> str:
    return f"sandbox:calls:{name}"


def _left_key(fault_id: str) -> str:
    return f"sandbox:fault-left:{fault_id}"


def fault_add(**kwargs) -> Fault:
    """Add a fault, e.g. ``fault_add(endpoint="butterflymx.tenants", kind="status",
    status=503, times=1)``."""
    fault = Fault(**kwargs)
    faults = [*_stored_faults(), fault]
    cache.set(_FAULTS_KEY, [asdict(f) for f in faults], timeout=None)
    if fault.times is not None:
        cache.set(_left_key(fault.id), fault.times, timeout=None)
    return fault


def faults_clear() -> None:
    """Remove the faults added at run time and restart the budgets of SANDBOX_FAULTS."""
    for fault in _stored_faults() + _settings_faults():
        cache.delete(_left_key(fault.id))
    cache.delete(_FAULTS_KEY)


def _stored_faults() -> list[Fault]:
    return [Fault(**data) for data in cache.get(_FAULTS_KEY) or []]


def _settings_faults() -> list[Fault]:
    # Stable ids, so that a ``times`` budget from SANDBOX_FAULTS is counted down across calls.
    faults = [
        Fault(**{"id": f"settings-{index}", **data})
        for index, data in enumerate(settings.SANDBOX_FAULTS)
    ]
    for fault in faults:
        if fault.times is not None:
            cache.add(_left_key(fault.id), fault.times, timeout=None)
    return faults


def faults_active() -> list[Fault]:
    return _settings_faults() + _stored_faults()


def calls_count(name: str) -> int:
    return cache.get(_calls_key(name)) or 0


def calls_all() -> dict[str, int]:
    names = sorted(_NAMES)
    counts = cache.get_many([_calls_key(name) for name in names])
    return {name: counts.get(_calls_key(name), 0) for name in names}


def calls_reset() -> None:
    cache.delete_many([_calls_key(name) for name in _NAMES])


def reset() -> None:
    faults_clear()
    calls_reset()


def _count(name: str) -> None:
    key = _calls_key(name)
    try:
        cache.incr(key)
    except ValueError:  # the first call: add() settles two first calls at once
        if not cache.add(key, 1, timeout=None):
            cache.incr(key)


def _applies(fault: Fault) -> bool:
    if fault.fraction is not None and random.random() >= fault.fraction:  # noqa: S311
        return False
    if fault.times is None:
        return True
    try:
        return cache.decr(_left_key(fault.id)) >= 0
    except ValueError:  # the fault was cleared meanwhile
        return False


def _connection_shut_down(environ: dict) -> None:
    """Cut the client's TCP connection under the server's feet.

    Raising mid-body is enough where the server then closes the connection (gunicorn), but
    Django's threaded server (runserver, live_server) keeps it alive and the client would wait
    for the rest of the body until its read timeout. Shutting down a duplicate of the socket's
    descriptor ends the connection itself while leaving the server's own socket object intact.
    """
    # Django's server hands the view the socket's file wrapped in a LimitedStream.
    wrapped_read = getattr(environ.get("wsgi.input"), "_read", None)
    stream = environ.get("gunicorn.socket") or getattr(wrapped_read, "__self__", None)
    try:
        descriptor = os.dup(stream.fileno())
    except (AttributeError, OSError, ValueError):  # not a socket, e.g. Django's test client
        return
    with socket.socket(fileno=descriptor) as connection, contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


def _dropped_connection(environ: dict):
    yield b'{"data": ['
    _connection_shut_down(environ)
    raise ConnectionAbortedError("sandbox fault: connection dropped mid-response")


def _hang(fault: Fault) -> None:
    """Hold the call for the fault's hang_seconds, or until the fault is cleared, so that a
    test's clean-up leaves no request still waiting."""
    deadline = time.monotonic() + fault.hang_seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.1))
        if fault.id not in {active.id for active in faults_active()}:
            return


def _fault_response(fault: Fault, error_body: Callable[[int], object], request) -> HttpResponse:
    if fault.kind == "hang":
        _hang(fault)
        return JsonResponse(error_body(504), status=504)
    if fault.kind == "malformed":
        return HttpResponse(b'{"data": [{"id": 1,', content_type="application/json")
    if fault.kind == "html":
        status = fault.status or 502
        page = f"<html><body><h1>{status} Bad Gateway</h1><p>nginx</p></body></html>"
        return HttpResponse(page, status=status, content_type="text/html")
    if fault.kind == "drop":
        response = StreamingHttpResponse(
            _dropped_connection(request.META), content_type="application/json"
        )
        response["Content-Length"] = "4096"
        return response
    body = fault.body if fault.body is not None else error_body(fault.status)
    response = HttpResponse(json.dumps(body), status=fault.status, content_type="application/json")
    for header, value in fault.headers.items():
        response[header] = value
    return response


def _default_error_body(status: int) -> dict:
    return {"error": f"status {status}"}


def endpoint(
    name: str,
    *,
    authenticated: Callable[[HttpRequest], bool],
    error_body: Callable[[int], object] = _default_error_body,
):
    """Wrap a sandbox view: count its calls and, on calls that pass ``authenticated``, apply
    matching faults."""
    _NAMES.add(name)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            _count(name)
            if not authenticated(request):
                return view(request, *args, **kwargs)
            matching = [fault for fault in faults_active() if fault.matches(name)]
            for fault in matching:
                if fault.latency_ms and fault.kind is None and _applies(fault):
                    time.sleep(fault.latency_ms / 1000)
            for fault in matching:
                if fault.kind is not None and _applies(fault):
                    if fault.latency_ms:
                        time.sleep(fault.latency_ms / 1000)
                    return _fault_response(fault, error_body, request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def outgoing_register(name: str) -> str:
    """Name something the sandbox sends rather than answers (a webhook delivery), so that the
    control lists it beside the endpoints."""
    _NAMES.add(name)
    return name


def outgoing_fault(name: str) -> Fault | None:
    """The first fault on an outgoing ``name`` that applies to this send, if any; each send
    is counted like a call. The caller decides what its kind means (``drop``: never sent)."""
    _count(name)
    for fault in faults_active():
        if fault.matches(name) and fault.kind is not None and _applies(fault):
            return fault
    return None
