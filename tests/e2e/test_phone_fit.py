"""Every main page fits a phone of 320 and 390 px: nothing scrolls sideways, and every control
is a tap target of at least 44 x 44 px (a checkbox or radio with its label)."""

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.e2e.conftest import Tab
from tests.factories import UserFactory
from tests.residents.conftest import connection_create

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, databases=["default", "sandbox"]),
]

WIDTHS = (320, 390)
PHONE = {
    "viewport": {"width": WIDTHS[0], "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# A long address, as people have: it must wrap, not widen the page.
LONG_EMAIL = "rosa.maria.fernandez-delacruz.apartment-4b@harbor-point-residents.foyer.example"
TAP = 44

# What on the page scrolls sideways or is too small to tap. A link inside a sentence is left
# out, as WCAG 2.5.8 leaves it: its size is the text's.
PROBLEMS = """(tap) => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    problems.push(`the page is ${root.scrollWidth} px wide in a ${window.innerWidth} px window`);
  }
  const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  for (const control of document.querySelectorAll(controls)) {
    let box = control.getBoundingClientRect();
    const style = getComputedStyle(control);
    if (box.width <= 1 || box.height <= 1 || style.visibility === "hidden") continue;
    if (box.right <= 0 || box.left >= window.innerWidth) continue;  // the skip link, until focused
    if (control.matches("a") && style.display === "inline") {
      const parent = control.parentElement;
      if (parent.textContent.trim() !== control.textContent.trim()) continue;
    }
    if (control.matches("input[type=checkbox], input[type=radio]")) {
      const label = control.closest("label")
        || (control.id && document.querySelector(`label[for="${control.id}"]`));
      if (label) box = label.getBoundingClientRect();
    }
    if (box.width < tap || box.height < tap) {
      const name = (control.textContent || control.value || control.name || "").trim().slice(0, 40);
      const size = `${Math.round(box.width)} x ${Math.round(box.height)} px`;
      problems.push(`${control.tagName.toLowerCase()} "${name}" is ${size}`);
    }
  }
  return problems;
}"""


def fits(tab: Tab, label: str, *, header_height: list[float]) -> None:
    """At each width the page on screen fits and its controls can be tapped; the header keeps
    one height on every page and at every width."""
    page = tab.page
    tab.check(label)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 740})
        problems = page.evaluate(PROBLEMS, TAP)
        assert not problems, f"{label} at {width} px ({page.url}):\n" + "\n".join(problems)
        header_height.append(page.get_by_role("banner").bounding_box()["height"])
        assert len(set(header_height)) == 1, f"{label} at {width} px: header {header_height}"
    page.set_viewport_size(PHONE["viewport"])


def sign_in(tab: Tab, *, email: str, password: str) -> None:
    page = tab.page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_every_main_page_fits_a_phone(bmx_sandbox, butlr_sandbox, browse, password, settings):
    settings.MFA_REQUIRED_FOR_MANAGERS = False
    resident = UserFactory(email=LONG_EMAIL, password=password, first_name="Rosa")
    rosa = bmx_sandbox.world.rosa
    connection_create(user=resident, person=rosa, tokens=bmx_sandbox.issue_tokens(rosa))
    manager = UserFactory(email="building.manager@harbor-point.foyer.example", password=password)
    group, _ = Group.objects.get_or_create(name=django_settings.PROPERTY_MANAGERS_GROUP)
    manager.groups.add(group)
    tab = browse("phone", **PHONE)
    tab.expected_statuses.add(403)
    page = tab.page
    heights: list[float] = []

    page.goto("/accounts/login/")
    fits(tab, "sign-in", header_height=heights)
    page.goto("/accounts/signup/")
    fits(tab, "sign-up", header_height=heights)

    sign_in(tab, email=LONG_EMAIL, password=password)
    expect(page.get_by_role("heading", name="Your doors", level=1)).to_be_visible()
    fits(tab, "home", header_height=heights)
    page.get_by_role("link", name=re.compile("Harbor Point")).click()
    expect(page.get_by_role("heading", name="Harbor Point", level=1)).to_be_visible()
    fits(tab, "doors", header_height=heights)
    page.get_by_role("main").get_by_role("link", name="Visitors", exact=True).click()
    expect(page.get_by_role("link", name="New visitor pass")).to_be_visible()
    fits(tab, "visitors", header_height=heights)
    page.get_by_role("link", name="New visitor pass").click()
    expect(page.get_by_role("button", name="Make the pass")).to_be_visible()
    fits(tab, "new-pass", header_height=heights)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History", level=1)).to_be_visible()
    fits(tab, "history", header_height=heights)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", name="Account", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(LONG_EMAIL)
    fits(tab, "account", header_height=heights)
    page.goto("/accounts/2fa/")
    fits(tab, "two-factor", header_height=heights)
    assert page.goto("/dashboard/").status == 403
    fits(tab, "dashboard-refused", header_height=heights)

    page.get_by_role("button", name="Sign out").click()
    sign_in(tab, email=manager.email, password=password)
    expect(page.get_by_role("heading", name=re.compile("^Occupancy"), level=1)).to_be_visible()
    expect(page.locator("#numbers .space-figure").first).to_have_text(re.compile(r"^\d+$"))
    fits(tab, "dashboard", header_height=heights)
