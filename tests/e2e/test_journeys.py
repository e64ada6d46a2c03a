"""Foyer as people use it, in a real browser: a new resident on a phone, a property manager
on a desktop, a manager who adds a passkey, and a resident who wanders onto the managers'
dashboard."""

import csv
import re
import time
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from playwright.sync_api import expect

import occupancy.selectors
import occupancy.services
from config.cache import set_each
from tests.e2e.conftest import Tab
from tests.factories import recovery_code, totp_code
from tests.residents.conftest import connection_create

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
LAST_GOOD_PREFIX = "occupancy:last-good:"
OCCUPANCY = re.compile(r"^Occupancy")


class KeyRecordingCache:
    """The cache, noting each key set through it (with ``set`` or ``set_each``): the
    dashboard's short-lived answers and what was built from them can then be dropped while
    its last good ones stay, on any cache backend."""

    def __init__(self, wrapped):
        self._wrapped = wrapped
        self.keys: set[str] = set()

    def set(self, key, *args, **kwargs):
        self.keys.add(key)
        return self._wrapped.set(key, *args, **kwargs)

    def set_each(self, value, seconds):
        self.keys.update(seconds)
        return set_each(self._wrapped, value, seconds)

    def __getattr__(self, name):
        return getattr(self._wrapped, name)


@pytest.fixture
def dashboard_cache(monkeypatch):
    recorder = KeyRecordingCache(occupancy.services.cache)
    # Butlr's answers, and the dashboard's pieces built from them.
    monkeypatch.setattr(occupancy.services, "cache", recorder)
    monkeypatch.setattr(occupancy.selectors, "cache", recorder)
    return recorder


def sign_in(
    tab: Tab,
    *,
    email: str,
    password: str,
    code: str | None = None,
    lands_on: re.Pattern | str | None = "Your doors",
) -> None:
    """Signs in through the form, with the authenticator app's code when there is one, and
    checks every page on the way: the form, the second step and the page it lands on, whose
    heading is ``lands_on`` (residents' doors, managers' dashboard)."""
    page = tab.page
    page.goto("/accounts/login/")
    tab.check("sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if code is not None:
        _second_factor(tab, code=code)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    if lands_on is not None:
        expect(page.get_by_role("heading", name=lands_on, level=1)).to_be_visible()
    tab.check("landing")


def test_a_new_resident_on_a_phone_connects_opens_a_door_and_disconnects(
    bmx_sandbox, browse, password
):
    tab = browse("phone", **PHONE)
    page = tab.page

    page.goto("/accounts/signup/")
    tab.check("sign-up")
    page.get_by_label("Email").fill("new.resident@foyer.example")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again", exact=True).fill(password)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Verify your email address")).to_be_visible()
    tab.check("verify-email")

    (message,) = mail.outbox
    page.goto(re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", message.body).group(1))
    tab.check("confirm-email")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Connect your ButterflyMX account")).to_be_visible()
    tab.check("not-connected")

    page.get_by_role("button", name="Connect ButterflyMX").click()
    expect(page).to_have_url(re.compile(r"/sandbox/butterflymx/accounts/oauth/authorize\?"))
    tab.check("consent")
    page.get_by_role("radio", name=re.compile("Rosa Resident")).check()
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("status")).to_contain_text("Your ButterflyMX account is connected.")
    # Connected, the resident lands on their doors: Rosa lives in three buildings, so Foyer
    # asks which home.
    expect(page.get_by_role("heading", name="Your doors", level=1)).to_be_visible()
    tab.check("connected")
    harbor = page.get_by_role("link", name=re.compile("Harbor Point"))
    expect(harbor).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Elm Street Lofts"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Skyline Commons"))).to_be_visible()
    tab.check("homes")
    harbor.tap()
    expect(page.get_by_role("heading", name="Harbor Point", level=1)).to_be_visible()
    tab.check("doors")

    door = page.locator("li.door-card").filter(
        has=page.get_by_role("button", name="Open Front door", exact=True)
    )
    # A slow ButterflyMX: after two seconds the card says it is still waiting; the answer
    # comes on the same card, and the keyboard focus stays on its button.
    bmx_sandbox.fault(endpoint="butterflymx.door_release", latency_ms=3000, times=1)
    open_front_door = door.get_by_role("button", name="Open Front door", exact=True)
    open_front_door.focus()
    page.keyboard.press("Enter")
    expect(door).to_contain_text("Still waiting for ButterflyMX")
    expect(door).to_contain_text(re.compile(r"Opened at \d{2}:\d{2}"))
    expect(open_front_door).to_be_focused()
    tab.check("door-opened")
    assert bmx_sandbox.calls("butterflymx.door_release") == 1

    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").tap()
    expect(page.get_by_role("heading", name="History", level=1)).to_be_visible()
    expect(page.get_by_text("Harbor Point")).to_be_visible()
    today = page.get_by_role("region", name="Today")
    # Opened through Foyer, and in ButterflyMX's access log: one line.
    expect(today.locator(".history-entry").filter(has_text="Front door")).to_have_count(1)
    expect(today.locator(".history-entry").first).to_contain_text("Front door · you, with Foyer")
    tab.check("history")
    # The intercom photos are in before moving on: no request outlives the journey.
    page.wait_for_load_state("networkidle")

    page.get_by_role("link", name="Account").tap()
    expect(page.get_by_role("heading", name="Account", level=1)).to_be_visible()
    expect(page.get_by_text("Connected", exact=True)).to_be_visible()
    expect(page.get_by_text("Rosa Resident")).to_be_visible()
    page.get_by_role("link", name="Disconnect").tap()
    expect(page.get_by_role("heading", name="Disconnect ButterflyMX?")).to_be_visible()
    tab.check("disconnect-confirm")
    page.get_by_role("button", name="Disconnect").tap()
    expect(page.get_by_text("Not connected.")).to_be_visible()
    expect(page.get_by_role("button", name="Connect ButterflyMX")).to_be_visible()
    # With notifications set up (`make run` writes development keys), the page has a second
    # status line, the device's notifications.
    disconnected = page.get_by_role("status").filter(has_text="ButterflyMX is disconnected")
    expect(disconnected).to_be_visible()
    tab.check("account-disconnected")
    assert bmx_sandbox.calls("butterflymx.revoke") == 2


def test_a_manager_on_a_desktop_reads_the_dashboard_and_sees_stale_figures_when_butlr_fails(
    butlr_sandbox, browse, manager, password, dashboard_cache, settings, tmp_path
):
    settings.BUTLR_RETRIES = 0
    tab = browse("desktop", **DESKTOP)
    page = tab.page
    chart = page.locator("#occupancy-chart")

    sign_in(
        tab,
        email=manager.email,
        password=password,
        code=totp_code(at=time.time()),
        lands_on=OCCUPANCY,
    )
    expect(page.get_by_role("heading", name=re.compile(r"^Occupancy"), level=1)).to_be_visible()
    figures = page.locator("#numbers .space-figure")
    expect(figures.first).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#numbers")).not_to_contain_text("as of")
    summary = page.locator(".building-summary")
    expect(summary.get_by_role("heading", name=re.compile(r"at a glance$"))).to_be_visible()
    expect(summary).to_contain_text(re.compile(r"In the building now\s*\d+ (people|person)"))
    expect(summary).to_contain_text(re.compile(r"Today's peak\s*\d+ at \d{2}:\d{2}"))
    # The sandbox's offline entrance counter is flagged, with when it was last heard from.
    sensors = page.get_by_role("region", name="Sensors to check")
    expect(sensors).to_contain_text(
        re.compile(
            r"Roof stairs \(Rooftop\): offline, last heard from \w{3} \d{1,2} \w{3} \d{2}:\d{2}"
        )
    )
    expect(
        page.locator("#numbers .space-incomplete", has_text="Roof stairs is offline")
    ).to_be_visible()
    expect(page.locator(".dashboard-clock")).to_contain_text(
        re.compile(r"Times are [A-Z][\w ]+ time\.")
    )
    rhythm = page.get_by_role("table", name=re.compile(r"^Typical people in .* by day and hour"))
    expect(rhythm).to_be_visible()
    expect(rhythm.locator("tbody tr")).to_have_count(7)
    expect(rhythm.locator("tbody tr").first.locator("td")).to_have_count(24)
    expect(page.locator(".rhythm-section")).to_contain_text(
        re.compile(r"Usually busiest: \w+day \d{2}:00")
    )
    tab.check("dashboard-today")

    # The chart's legend: at rest, the latest figures, never uPlot's "--"; under the cursor,
    # the figures at that moment; away again, the latest ones.
    legend = chart.locator(".u-legend")
    expect(chart.locator("canvas").first).to_be_visible()
    expect(legend.locator(".u-value").nth(1)).to_have_text(re.compile(r"^(\d|no reading)"))
    expect(legend).not_to_contain_text("--")
    at_rest = legend.inner_text()
    # At the chart's left edge, the cursor is on the first moment: the table's first row.
    over = chart.locator(".u-over")
    over.hover(position={"x": 1, "y": over.bounding_box()["height"] / 2})
    first_row = page.locator(".chart-table tbody tr").first
    expect(legend.locator(".u-value").first).to_have_text(
        first_row.locator("time").text_content() or ""
    )
    first_value = first_row.locator("td").first.text_content() or ""
    expect(legend.locator(".u-value").nth(1)).to_have_text(
        "no reading" if first_value == "\u2013" else re.compile(r"^\d+(\.\d)?$")
    )
    expect(legend).not_to_contain_text("--")
    page.mouse.move(1, 1)
    expect(legend).to_have_text(at_rest)

    # A room card opens the room: its chart and its heatmap.
    room_link = page.locator("#numbers .space-cards").nth(1).get_by_role("link").first
    room_name = room_link.inner_text()
    room_link.click()
    expect(page.get_by_role("heading", name=f"{room_name}: today", level=2)).to_be_visible()
    expect(
        page.get_by_role("heading", name=f"Where people were in {room_name}, last hour")
    ).to_be_visible()
    expect(page.get_by_label("Room", exact=True)).to_have_value(re.compile(r"."))
    # The heatmap says in words where people were, has its colour scale, and says plainly
    # that Butlr doesn't tell which way the sensor faces.
    heatmap = page.locator(".heatmap").first
    # The sandbox's people follow the real clock: at night a room can have had nobody.
    room = re.escape(room_name)
    expect(heatmap.locator("figcaption")).to_contain_text(
        re.compile(
            rf"(Where people were in {room} over the last hour, as .+ saw them\. People were"
            r" most often in the [a-z ]+ of its view \(\d+ of \d+ sightings?\)\."
            rf"|Nobody was seen in {room} in the last hour\.)"
        )
    )
    expect(heatmap).to_contain_text("The sensor's orientation isn't known")
    scale = heatmap.get_by_role("list", name="Sightings per square, fewest to most")
    expect(scale.get_by_role("listitem").first).to_have_text("0")
    expect(scale.get_by_role("listitem").last).to_have_text(re.compile(r"^\d+(\u2013\d+)?$"))
    tab.check("dashboard-room")

    # A choice applies at once: another floor beside the room, without pressing "Show".
    compare = page.get_by_label("Compare with")
    other_floor = compare.locator("optgroup[label=Floors] option").nth(1).inner_text()
    with page.expect_navigation():
        compare.select_option(label=other_floor)
    expect(
        page.get_by_role("heading", name=f"{room_name} and {other_floor}: today")
    ).to_be_visible()
    # The chart's table (folded away) has the time, then a mean and a max for each.
    expect(page.locator(".chart-table thead th")).to_have_count(5)

    # Chosen dates: the range waits for both days, then "Show".
    page.get_by_label("Chart", exact=True).select_option(label="Chosen dates")
    expect(page.get_by_label("From", exact=True)).to_be_focused()
    today = date.today()
    page.get_by_label("From", exact=True).fill((today - timedelta(days=20)).isoformat())
    page.get_by_label("To", exact=True).fill((today - timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    expect(
        page.get_by_role("heading", name=re.compile(rf"^{room_name} and .* to "))
    ).to_be_visible()
    expect(page.get_by_text("People per 6 hours", exact=False)).to_be_visible()
    expect(chart.locator("canvas").first).to_be_visible()
    tab.check("dashboard-chosen-dates")
    page.goto("/dashboard/")

    ranges = page.get_by_role("navigation", name="Chart range")
    for label in ("Last 7 days", "Last 24 hours"):
        ranges.get_by_role("link", name=label).click()
        expect(ranges.get_by_role("link", name=label)).to_have_attribute("aria-current", "page")
        expect(page.get_by_role("heading", name=re.compile(label, re.I), level=2)).to_be_visible()
        expect(chart.locator("canvas").first).to_be_visible()
        assert chart.locator("canvas").first.bounding_box()["height"] > 100
        tab.check(f"dashboard-{label.lower().replace(' ', '-')}")

    with page.expect_download() as started:
        page.get_by_role("link", name="Download these numbers (CSV)").click()
    download = started.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.reader(saved.read_text(encoding="utf-8").splitlines()))
    assert download.suggested_filename.endswith(".csv")
    assert rows[0][0] == "Time"
    assert any(column.endswith(" mean") for column in rows[0])
    assert len(rows) > 1
    assert re.match(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", rows[1][0])
    assert all(len(row) == len(rows[0]) for row in rows[1:])

    butlr_sandbox.fault(endpoint="butlr.*", kind="status", status=503)
    # The figures on screen are cached for their window; drop those, keep the last good ones.
    cache.delete_many([key for key in dashboard_cache.keys if not key.startswith(LAST_GOOD_PREFIX)])
    response = page.reload()

    assert response.status == 200
    notice = page.locator(".occupancy-notice")
    expect(notice).to_contain_text("can't be reached")
    expect(notice).to_contain_text(re.compile(r"as of \d{2}:\d{2}"))
    expect(figures.first).to_have_text(re.compile(r"^\d+$"))
    tab.check("dashboard-stale")


def test_a_manager_adds_a_passkey_before_the_dashboard_and_signs_in_with_it(
    butlr_sandbox, browse, manager_without_second_factor, password
):
    manager = manager_without_second_factor
    tab = browse("desktop", **DESKTOP)
    page = tab.page
    # Chromium's virtual authenticator: a platform passkey that verifies its user at once.
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]

    # Without a second factor, the dashboard, where sign-in lands, sends the manager to add one.
    sign_in(tab, email=manager.email, password=password, lands_on=None)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    expect(page.get_by_role("status")).to_contain_text("need a second factor")
    tab.check("second-factor-needed")

    # Security keys: add one.
    page.get_by_role("link", name="Add", exact=True).click()
    expect(page.get_by_role("heading", name="Confirm Access")).to_be_visible()
    tab.check("confirm-access")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Add Security Key")).to_be_visible()
    tab.check("add-passkey")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    tab.check("recovery-codes")
    # A passkey the authenticator keeps, so that it signs in without an email.
    [passkey] = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]
    assert passkey["isResidentCredential"]

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    # One tap: no email, no password.
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("heading", name=OCCUPANCY, level=1)).to_be_visible()
    expect(page.locator("#numbers .space-figure").first).to_have_text(re.compile(r"^\d+$"))
    tab.check("dashboard-after-passkey")


def test_a_resident_is_refused_the_dashboard(browse, resident, password):
    tab = browse("desktop", **DESKTOP)
    tab.expected_statuses.add(403)
    page = tab.page

    sign_in(tab, email=resident.email, password=password)
    expect(page.get_by_role("navigation", name="Main")).not_to_contain_text("Occupancy")
    response = page.goto("/dashboard/")

    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("link", name="Back to Foyer")).to_be_visible()
    # Styled like the rest of Foyer, not the browser's bare default.
    expect(page.locator(".card")).not_to_have_css("border-radius", "0px")
    expect(page.get_by_role("banner")).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")
    tab.check("refused")


def _second_factor(tab: Tab, *, code: str) -> None:
    page = tab.page
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    tab.check("second-factor")
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In", exact=True).click()


def _sign_in_again(tab: Tab, *, email: str, password: str, code: str | None = None) -> None:
    page = tab.page
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if code is not None:
        _second_factor(tab, code=code)


def test_an_expired_session_signs_in_again_and_comes_back_to_the_page(
    bmx_sandbox, butlr_sandbox, browse, resident, manager, password
):
    rosa = bmx_sandbox.world.rosa
    connection_create(user=resident, person=rosa, tokens=bmx_sandbox.issue_tokens(rosa))

    # A resident's tap after the session expired: sign in, then back to the doors.
    phone = browse("phone", **PHONE)
    page = phone.page
    sign_in(phone, email=resident.email, password=password)
    page.get_by_role("link", name=re.compile("Harbor Point")).tap()
    expect(page.get_by_role("heading", name="Harbor Point", level=1)).to_be_visible()
    page.wait_for_load_state()
    doors_url = page.url
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name="Open Front door", exact=True).tap()
    _sign_in_again(phone, email=resident.email, password=password)
    expect(page).to_have_url(doors_url)
    expect(page.locator("li.door-card form")).not_to_have_count(0)
    expect(page.locator("li.door-card input[name=password]")).to_have_count(0)
    assert bmx_sandbox.calls("butterflymx.door_release") == 0

    # A manager's figures refreshing each minute after the session expired: the same.
    desktop = browse("desktop", **DESKTOP)
    page = desktop.page
    page.clock.install()
    sign_in(
        desktop,
        email=manager.email,
        password=password,
        code=totp_code(at=time.time()),
        lands_on=OCCUPANCY,
    )
    expect(page.locator("#numbers .space-figure").first).to_have_text(re.compile(r"^\d+$"))
    page.wait_for_load_state()  # htmx has set up the minute's refresh
    dashboard_url = page.url
    page.context.clear_cookies(name="sessionid")
    page.clock.run_for(61_000)
    # The app's code of a moment ago is spent: a recovery code instead.
    _sign_in_again(desktop, email=manager.email, password=password, code=recovery_code(manager))
    expect(page).to_have_url(dashboard_url)
    expect(page.locator("#numbers input[name=password]")).to_have_count(0)
    desktop.check("dashboard-after-sign-in")


def test_a_resident_lets_a_visitor_in_with_a_pass_and_revokes_it(
    bmx_sandbox, browse, resident, password
):
    world = bmx_sandbox.world
    connection_create(user=resident, person=world.rosa, tokens=bmx_sandbox.issue_tokens(world.rosa))
    tab = browse("phone", **PHONE)
    page = tab.page
    page.clock.install()  # to run the list's minute refresh at once
    sign_in(tab, email=resident.email, password=password)
    page.get_by_role("link", name=re.compile("Harbor Point")).tap()
    page.get_by_role("link", name="Visitors").tap()
    expect(page.get_by_role("heading", name="Visitors", level=1)).to_be_visible()
    tab.check("visitors-empty")

    page.get_by_role("link", name="New visitor pass").tap()
    page.get_by_label("Visitor's name").fill("Ana")
    # Only the fields of the kind of pass chosen are on screen.
    expect(page.get_by_label("First day")).to_be_hidden()
    page.get_by_label("Every week, on some days").check()
    expect(page.get_by_label("First day")).to_be_visible()
    expect(page.get_by_label("For how many hours")).to_be_hidden()
    page.get_by_label("Today, for a few hours").check()
    expect(page.get_by_label("For how many hours")).to_be_visible()
    tab.check("visitor-new")
    page.get_by_role("button", name="Make the pass").tap()
    expect(page.get_by_role("heading", name="Pass for Ana")).to_be_visible()
    pin = page.locator(".pass-pin").inner_text().strip()
    assert re.fullmatch(r"\d{6}", pin)
    tab.check("visitor-share")
    page.get_by_role("link", name="All visitor passes").tap()
    ana = page.locator("li.pass").filter(has_text="Ana")
    expect(ana).to_contain_text("Not used yet")
    page.wait_for_load_state()  # htmx has set up the minute's refresh

    # The visitor at the building's keypad, in another browser.
    keypad = browse("keypad", **PHONE).page
    keypad.goto("/sandbox/butterflymx/keypad/")
    keypad.get_by_label("Door", exact=True).select_option(value=str(world.harbor_front_door.pk))
    keypad.get_by_label("PIN").fill(pin)
    keypad.get_by_role("button", name="Enter").click()
    expect(keypad.get_by_role("status")).not_to_have_class("notice-error")

    # The open list shows it used at its next refresh.
    page.clock.run_for(61_000)
    expect(ana).to_contain_text("Used 1 time")
    # Its uses, in History, under the visitor's name.
    ana.get_by_role("link", name="Used 1 time").tap()
    expect(page.get_by_role("heading", name="History", level=1)).to_be_visible()
    uses = page.locator(".history-entry")
    expect(uses).to_have_count(1)
    expect(uses).to_contain_text("Front door · Ana (visitor pass, PIN)")
    tab.check("history-pass")
    page.wait_for_load_state("networkidle")
    page.go_back()
    ana.get_by_role("link", name="Ana").tap()
    expect(page.get_by_role("heading", name="Pass for Ana")).to_be_visible()
    page.get_by_role("link", name="Revoke").tap()
    expect(page.get_by_role("heading", name="Revoke Ana's pass?")).to_be_visible()
    tab.check("visitor-revoke")
    page.get_by_role("button", name="Revoke").tap()
    expect(page.get_by_role("status")).to_contain_text("The pass is revoked")
    expect(page.locator("li.pass").filter(has_text="Ana")).to_have_count(0)

    keypad.get_by_label("Door", exact=True).select_option(value=str(world.harbor_front_door.pk))
    keypad.get_by_label("PIN").fill(pin)
    keypad.get_by_role("button", name="Enter").click()
    expect(keypad.get_by_role("status")).to_have_class("notice-error")

    # A visitor rings Rosa's unit from the front entrance and gives up before she answers.
    keypad.goto("/sandbox/butterflymx/ring/")
    keypad.get_by_label("Unit").select_option(value=str(world.rosa_unit.pk))
    keypad.get_by_role("button", name="Ring").click()
    keypad.get_by_role("button", name="Hang up").click()
    expect(keypad.locator("[data-status]")).to_have_attribute("data-status", "canceled")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").tap()
    expect(page.get_by_role("heading", name="History", level=1)).to_be_visible()
    today = page.get_by_role("region", name="Today")
    call = today.locator(".history-entry").filter(has_text="Someone rang from").first
    expect(call).to_contain_text("Front entrance panel")
    expect(call).to_contain_text("missed")
    photo = call.get_by_role("img")
    photo.scroll_into_view_if_needed()
    expect(photo).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tab.check("history")
    page.wait_for_load_state("networkidle")
