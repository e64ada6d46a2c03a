"""The fault matrix's table: every upstream call path, every fault, and what a person sees."""

from __future__ import annotations

from dataclasses import dataclass

from residents.models import DoorEvent

# The sandbox holds a hung request this long; clients give up after READ_TIMEOUT.
HANG_SECONDS = 0.6
READ_TIMEOUT = 0.3
# A dashboard makes several Butlr calls at once to the in-process sandbox, and on a busy
# machine a healthy one can take longer than READ_TIMEOUT; a hung Butlr call is held several
# times as long as Butlr's read timeout, so that only the hung call runs out of time.
BUTLR_READ_TIMEOUT = 1.0
BUTLR_HANG_SECONDS = 4.0


@dataclass(frozen=True)
class Fault:
    """One way an upstream fails. ``sandbox`` holds sandbox.faults.fault_add arguments (the
    endpoint comes from the path); None means nothing listens where the client calls."""

    name: str
    sandbox: dict | None


FAULTS = {
    fault.name: fault
    for fault in (
        Fault("timeout", {"kind": "hang", "hang_seconds": HANG_SECONDS}),
        Fault("refused connection", None),
        Fault("500", {"kind": "status", "status": 500}),
        Fault("502 html", {"kind": "html", "status": 502}),
        Fault("503", {"kind": "status", "status": 503}),
        Fault("429", {"kind": "status", "status": 429, "headers": {"Retry-After": "30"}}),
        Fault("401", {"kind": "status", "status": 401}),
        Fault("404", {"kind": "status", "status": 404}),
        Fault("422", {"kind": "status", "status": 422}),
        Fault("malformed json", {"kind": "malformed"}),
    )
}
# Only for a refresh: ButterflyMX refuses the refresh token itself (Doorkeeper answers 400).
REFUSED_GRANT = Fault(
    "400 invalid_grant",
    {"kind": "status", "status": 400, "body": {"error": "invalid_grant", "error_description": "x"}},
)


# ButterflyMX: what the resident reads.
TOO_LONG = "ButterflyMX is taking too long to answer. Try again in a moment."
NOT_ANSWERING = "ButterflyMX isn't answering right now. Try again in a moment."
SLOW_DOWN = "ButterflyMX asked us to slow down. Try again in a minute."
UNREADABLE = "ButterflyMX sent an answer we couldn't read. Try again in a moment."
RECONNECT = "Reconnect ButterflyMX"
CONNECT_FAILED = "We couldn't connect your ButterflyMX account"
NO_ANSWER = "ButterflyMX didn't answer: check the door before trying again."
GARBLED_RELEASE = "ButterflyMX answered in a way we couldn't read: check the door."
BUSY = "ButterflyMX is busy. Try again in 30 seconds."
TROUBLE = "ButterflyMX is having trouble. The door didn't open; try again shortly."
NEEDS_RECONNECT = "ButterflyMX needs you to reconnect before doors open."
UNKNOWN_DOOR = "ButterflyMX no longer knows this door. Refresh your doors."
REFUSED_RELEASE = "ButterflyMX refused to open it"
UNREACHABLE = "reach ButterflyMX, so the door didn"
REVOKED = "ButterflyMX is disconnected. Foyer no longer holds its keys."
NOT_REVOKED = "ButterflyMX didn't confirm the revocation"

# What becomes of the stored token pair.
SAME = "same"  # both ciphertexts untouched
ROTATED = "rotated"  # both replaced, in one write
DELETED = "deleted"  # the resident disconnected: deleted on purpose

OPENED_NOT = DoorEvent.Outcome.FAILED
UNCONFIRMED = DoorEvent.Outcome.UNCONFIRMED


@dataclass(frozen=True)
class Expect:
    """What one fault on one path must look like: the status of the page the resident gets,
    words on it, the stored tokens afterwards and, for a door release, its history row."""

    status: int
    words: str
    tokens: str = SAME
    needs_reconnect: bool = False
    outcome: str | None = None
    error_code: str = ""


@dataclass(frozen=True)
class ButterflyMXPath:
    """A page that calls ButterflyMX. ``endpoint`` is the sandbox endpoint that fails;
    ``url_setting`` is the setting pointed at a closed port for a refused connection."""

    name: str
    endpoint: str
    url_setting: str
    expect: dict[str, Expect]


# A page that lists tenancies or doors: 5xx with a message, or the reconnect offer after a
# 401 that one refresh did not cure (the refresh itself worked, so the pair was rotated).
LISTING = {
    "timeout": Expect(504, TOO_LONG),
    "refused connection": Expect(503, NOT_ANSWERING),
    "500": Expect(503, NOT_ANSWERING),
    "502 html": Expect(503, NOT_ANSWERING),
    "503": Expect(503, NOT_ANSWERING),
    "429": Expect(503, SLOW_DOWN),
    "401": Expect(200, RECONNECT, tokens=ROTATED),
    "404": Expect(503, NOT_ANSWERING),
    "422": Expect(503, NOT_ANSWERING),
    "malformed json": Expect(502, UNREADABLE),
}

# A refresh that fails leaves the old pair in place; only a refused grant asks to reconnect.
# A 401 from the token endpoint is Doorkeeper's invalid_client: Foyer's credentials, not the
# resident's, so reconnecting would not help.
REFRESH = {
    **LISTING,
    "401": Expect(503, NOT_ANSWERING),
    REFUSED_GRANT.name: Expect(200, RECONNECT, needs_reconnect=True),
}


def _release(status: int, *, reconnect_tokens: str = ROTATED) -> dict[str, Expect]:
    """A door release: the tap is answered (an htmx card, or a redirect to the doors page)
    and its history row says whether the door opened, or may have."""

    def row(outcome, code, words, **extra):
        return Expect(status, words, outcome=outcome, error_code=code, **extra)

    return {
        # The request went out and no answer came: the door may have opened.
        "timeout": row(UNCONFIRMED, "no_answer", NO_ANSWER),
        # A refused connection sent nothing: the door certainly did not open.
        "refused connection": row(OPENED_NOT, "unreachable", UNREACHABLE),
        "500": row(OPENED_NOT, "unavailable", TROUBLE),
        "502 html": row(OPENED_NOT, "unavailable", TROUBLE),
        "503": row(OPENED_NOT, "unavailable", TROUBLE),
        "429": row(OPENED_NOT, "rate_limited", BUSY),
        # A 401 did nothing: one refresh, one more release, then the reconnect offer.
        "401": row(OPENED_NOT, "reconnect", NEEDS_RECONNECT, tokens=reconnect_tokens),
        "404": row(OPENED_NOT, "not_found", UNKNOWN_DOOR),
        "422": row(OPENED_NOT, "refused", REFUSED_RELEASE),
        "malformed json": row(UNCONFIRMED, "bad_response", GARBLED_RELEASE),
    }


BUTTERFLYMX_PATHS = (
    # The connect callback: allauth's error page (401) with Foyer's words; an earlier
    # connection that needs reconnecting keeps its tokens and its flag.
    ButterflyMXPath(
        "token exchange",
        "butterflymx.token",
        "BUTTERFLYMX_ACCOUNTS_URL",
        {name: Expect(401, CONNECT_FAILED, needs_reconnect=True) for name in FAULTS},
    ),
    ButterflyMXPath("refresh", "butterflymx.token", "BUTTERFLYMX_ACCOUNTS_URL", REFRESH),
    ButterflyMXPath("tenants", "butterflymx.tenants", "BUTTERFLYMX_API_URL", LISTING),
    ButterflyMXPath(
        "doors: access points", "butterflymx.access_points", "BUTTERFLYMX_API_URL", LISTING
    ),
    ButterflyMXPath("doors: devices", "butterflymx.devices", "BUTTERFLYMX_API_URL", LISTING),
    ButterflyMXPath(
        "door release (htmx)", "butterflymx.door_release", "BUTTERFLYMX_API_URL", _release(200)
    ),
    # Without JavaScript the tap redirects to the doors page, which shows the outcome.
    ButterflyMXPath(
        "door release (plain)", "butterflymx.door_release", "BUTTERFLYMX_API_URL", _release(302)
    ),
    # Disconnecting deletes the tokens whatever ButterflyMX says; only the words differ. A
    # 200 whose body is not JSON is still a revocation (its body carries nothing).
    ButterflyMXPath(
        "revoke",
        "butterflymx.revoke",
        "BUTTERFLYMX_ACCOUNTS_URL",
        {
            name: Expect(302, REVOKED if name == "malformed json" else NOT_REVOKED, tokens=DELETED)
            for name in FAULTS
        },
    ),
)


# Butlr: the dashboard always answers 200. Why its figures are not fresh, per fault.
SLOW = "Butlr, our occupancy sensor service, is slow to answer right now."
DOWN = "Butlr, our occupancy sensor service, can't be reached right now."
BUSY_BUTLR = "Butlr, our occupancy sensor service, asked us to slow down for a moment."
REFUSED = "Butlr, our occupancy sensor service, did not accept Foyer's sign-in."
GARBLED = "Butlr, our occupancy sensor service, sent figures we couldn't read."
BUTLR_NOTICES = {
    "timeout": SLOW,
    "refused connection": DOWN,
    "500": DOWN,
    "502 html": DOWN,
    "503": DOWN,
    "429": BUSY_BUTLR,
    # A token refused twice (or the client credentials refused at login).
    "401": REFUSED,
    "404": GARBLED,
    "422": GARBLED,
    "malformed json": GARBLED,
}
STALE = "Showing the last figures we received, as of {time}"
HEATMAP_STALE = "these are the last figures we received, as of {time}"
NO_FIGURES = "There are no figures to show yet."
HEATMAP_UNAVAILABLE = "Where people were can't be shown right now"
CSV_UNAVAILABLE = "Occupancy figures are unavailable right now; please try again in a minute."

DASHBOARD = "dashboard"
POLL = "poll"  # the htmx request the page makes every minute for its figures
CSV = "csv"
EVERY_PAGE = frozenset({DASHBOARD, POLL, CSV})


@dataclass(frozen=True)
class ButlrPath:
    """A Butlr call behind the dashboard.

    ``pages`` show the notice when the call fails: with the last good figures if there were
    any, else ``without_figures`` (the notice and NO_FIGURES when None). The CSV answers
    ``csv_without_figures`` when the call never succeeded, else 200 with the last good rows.
    """

    name: str
    endpoint: str
    pages: frozenset[str]
    csv_without_figures: int
    without_figures: str | None = None


BUTLR_PATHS = (
    ButlrPath("login", "butlr.login", EVERY_PAGE, 503),
    ButlrPath("topology", "butlr.graphql", EVERY_PAGE, 503),
    ButlrPath("reporting", "butlr.reporting", EVERY_PAGE, 503),
    # Only the full page's heatmap reads detections; without any, the heatmap says so and
    # the figures above it stay fresh.
    ButlrPath("detections", "butlr.detections", frozenset({DASHBOARD}), 200, HEATMAP_UNAVAILABLE),
)
# Nothing answers at Butlr's one address: whichever path meets it first, every call fails.
EVERY_CALL = ButlrPath("every call", "butlr.*", EVERY_PAGE, 503)


# What only an error leaking through would put on a page (regular expressions).
LEAKS = (
    "Traceback",
    "DEBUG = True",
    "Server Error",
    "ButterflyMXError",
    "ButlrError",
    r"ButterflyMX answered \d",
    r"Butlr answered \d",
    "Butlr's answer",
    "Butlr could not",
    "Butlr did not",
    "Butlr rejected",
    "Error retrieving access token",
    "The server answered",
    "The service answered",
    "invalid_client",
    "server_error",
    "nginx",
    "Bad Gateway",
    "HTTPConnectionPool",
    "Max retries",
    "Errno",
    "JSONDecodeError",
    r"127\.0\.0\.1:",
)
