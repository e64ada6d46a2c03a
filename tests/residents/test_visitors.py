"""Visitor passes through the resident's pages, against the sandbox: made, shared, used at
the keypad, revoked; and every way it can go wrong."""

import html
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from sandbox.butterflymx.models import Keychain as SandboxKeychain
from sandbox.butterflymx.services import keypad_enter
from tests.factories import UserFactory
from tests.residents.conftest import connection_create

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

# A Tuesday morning in New York, well away from any clock change.
MOMENT = datetime(2026, 10, 13, 14, 0, tzinfo=UTC)


@pytest.fixture
def rosa_client(client, connected_resident):
    client.force_login(connected_resident)
    return client


@pytest.fixture
def harbor(bmx_sandbox):
    return bmx_sandbox.world.rosa_harbor


def page(harbor, name="visitors", **kwargs):
    return reverse(
        name, kwargs={"building_id": harbor.building_id, "tenant_id": harbor.pk, **kwargs}
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def form(bmx_sandbox, **fields):
    door = bmx_sandbox.world.harbor_front_door
    return {
        "name": "Ana",
        "when": "hours",
        "hours": "4",
        "doors": [f"access_point:{door.pk}"],
        **fields,
    }


def make_pass(client, harbor, data):
    response = client.post(page(harbor, "visitor_new"), data)
    assert response.status_code == 302, text(response)
    return int(response["Location"].rstrip("/").rsplit("/", 1)[1])


def test_a_pass_for_a_few_hours_is_made_shared_used_and_revoked(bmx_sandbox, rosa_client, harbor):
    world = bmx_sandbox.world
    keychain_id = make_pass(rosa_client, harbor, form(bmx_sandbox))

    shared = text(rosa_client.get(page(harbor, "visitor", keychain_id=keychain_id)))
    pin = shared.split('<p class="pass-pin">')[1].split("<")[0]
    assert len(pin) == 6 and pin.isdigit()
    assert "Pass for Ana" in shared and world.harbor_front_door.name in shared
    assert keypad_enter(access_point_id=world.harbor_front_door.pk, pin_code=pin).opened

    listed = text(rosa_client.get(page(harbor)))
    assert "Ana" in listed and "Works now" in listed and "Used 1 time" in listed

    confirm = rosa_client.get(page(harbor, "visitor_revoke", keychain_id=keychain_id))
    assert "Revoke Ana's pass?" in text(confirm)
    rosa_client.post(page(harbor, "visitor_revoke", keychain_id=keychain_id))
    assert not keypad_enter(access_point_id=world.harbor_front_door.pk, pin_code=pin).opened
    assert "Ana" not in text(rosa_client.get(page(harbor)))


@pytest.mark.parametrize(
    ("when", "kind"),
    [("range", "custom_keychain"), ("once", "one_time_keychain"), ("weekly", "recurring_keychain")],
)
def test_each_kind_of_pass_is_made_in_the_buildings_time(
    bmx_sandbox, rosa_client, harbor, when, kind
):
    fields = {
        "when": when,
        "starts_at": "2026-10-14T09:00",
        "ends_at": "2026-10-14T17:00",
        "weekdays": ["tue", "thu"],
        "time_from": "09:00",
        "time_to": "12:00",
        "start_date": "2026-10-13",
        "end_date": "2026-12-31",
    }
    with time_machine.travel(MOMENT, tick=False):
        keychain_id = make_pass(rosa_client, harbor, form(bmx_sandbox, **fields))

    made = SandboxKeychain.objects.get(pk=keychain_id)
    assert made.type == kind
    assert made.virtual_keys.count() == 1
    if when != "weekly":
        # 09:00 in New York (EDT) is 13:00 UTC, whatever the server's or the phone's zone.
        assert made.starts_at == datetime(2026, 10, 14, 13, 0, tzinfo=UTC)
    else:
        assert sorted(made.weekdays) == ["thu", "tue"]
    pin = made.virtual_keys.get().pin_code
    with time_machine.travel(MOMENT, tick=False):
        shared = text(rosa_client.get(page(harbor, "visitor", keychain_id=keychain_id)))
        rosa_client.post(page(harbor, "visitor_revoke", keychain_id=keychain_id))
    assert pin in shared
    assert not SandboxKeychain.objects.filter(pk=keychain_id).exists()


def _checkbox(answer: str, value: str) -> str:
    """The <input> tag of the doors checkbox with this value."""
    start = answer.index(f'value="{value}"')
    return answer[answer.rindex("<input", 0, start) : answer.index(">", start)]


def test_the_residents_own_lock_is_offered_but_not_chosen(bmx_sandbox, rosa_client, harbor):
    world = bmx_sandbox.world
    answer = text(rosa_client.get(page(harbor, "visitor_new")))

    assert "checked" not in _checkbox(answer, f"device:{world.rosa_smart_lock.pk}")
    assert "checked" in _checkbox(answer, f"access_point:{world.harbor_front_door.pk}")


def test_butterflymxs_refusal_is_shown_beside_its_field(bmx_sandbox, rosa_client, harbor):
    fields = {"when": "range", "starts_at": "2026-10-14T17:00", "ends_at": "2026-10-14T09:00"}

    with time_machine.travel(MOMENT, tick=False):
        response = rosa_client.post(page(harbor, "visitor_new"), form(bmx_sandbox, **fields))

    assert response.status_code == 422
    answer = text(response)
    assert 'id="id_starts_at-error"' in answer
    assert "The start must be before the end." in answer
    assert not SandboxKeychain.objects.filter(seed_key__isnull=True).exists()


def test_a_pass_whose_key_cannot_be_made_is_not_left_behind(bmx_sandbox, rosa_client, harbor):
    bmx_sandbox.fault(endpoint="butterflymx.virtual_keys", kind="status", status=503)

    response = rosa_client.post(page(harbor, "visitor_new"), form(bmx_sandbox))

    assert response.status_code == 503
    assert not SandboxKeychain.objects.filter(seed_key__isnull=True).exists()


def test_a_create_that_timed_out_says_so_and_shows_the_list(
    bmx_sandbox, rosa_client, harbor, settings
):
    settings.BUTTERFLYMX_READ_TIMEOUT = 0.3
    bmx_sandbox.fault(
        endpoint="butterflymx.keychain_create_custom", kind="hang", hang_seconds=0.6, times=1
    )

    response = rosa_client.post(page(harbor, "visitor_new"), form(bmx_sandbox), follow=True)

    assert "may or may not have been made" in text(response)
    assert response.wsgi_request.path == page(harbor)


def test_a_double_tap_makes_one_pass(bmx_sandbox, rosa_client, harbor):
    make_pass(rosa_client, harbor, form(bmx_sandbox))
    again = rosa_client.post(page(harbor, "visitor_new"), form(bmx_sandbox), follow=True)

    assert "being made already" in text(again)
    assert SandboxKeychain.objects.filter(seed_key__isnull=True).count() == 1


def test_a_delivery_pass_in_one_tap(bmx_sandbox, rosa_client, harbor):
    assert "Delivery pass" in text(rosa_client.get(page(harbor)))

    response = rosa_client.post(page(harbor, "visitor_delivery"))

    made = SandboxKeychain.objects.get(seed_key__isnull=True)
    assert response["Location"] == page(harbor, "visitor", keychain_id=made.pk)
    assert made.type == "delivery_pass"
    pin = made.virtual_keys.get().pin_code
    shared = text(rosa_client.get(response["Location"]))
    assert pin in shared and "Deliveries, until" in shared
    rosa_client.post(page(harbor, "visitor_revoke", keychain_id=made.pk))
    assert not SandboxKeychain.objects.filter(seed_key__isnull=True).exists()


def test_another_residents_pass_is_not_found_and_not_asked_about(bmx_sandbox, client, harbor):
    world = bmx_sandbox.world
    sam = UserFactory()
    connection_create(user=sam, person=world.sam, tokens=bmx_sandbox.issue_tokens(world.sam))
    rosa = UserFactory()
    connection_create(user=rosa, person=world.rosa, tokens=bmx_sandbox.issue_tokens(world.rosa))
    client.force_login(rosa)
    keychain_id = make_pass(client, harbor, form(bmx_sandbox))
    client.force_login(sam)
    sams = world.sam_harbor
    client.get(page(sams))  # Sam's own passes are known
    before = bmx_sandbox.calls("butterflymx.keychain")

    for name in ("visitor", "visitor_revoke"):
        assert client.get(page(sams, name, keychain_id=keychain_id)).status_code == 404
    assert client.post(page(sams, "visitor_revoke", keychain_id=keychain_id)).status_code == 404

    assert bmx_sandbox.calls("butterflymx.keychain") == before
    assert SandboxKeychain.objects.filter(pk=keychain_id).exists()


def test_a_pin_never_reaches_the_logs(bmx_sandbox, rosa_client, harbor, caplog):
    keychain_id = make_pass(rosa_client, harbor, form(bmx_sandbox))
    shared = text(rosa_client.get(page(harbor, "visitor", keychain_id=keychain_id)))
    pin = shared.split('<p class="pass-pin">')[1].split("<")[0]

    assert pin not in caplog.text


def test_pass_pages_are_never_stored(bmx_sandbox, rosa_client, harbor):
    keychain_id = make_pass(rosa_client, harbor, form(bmx_sandbox))

    for url in (
        page(harbor),
        page(harbor, "visitor_new"),
        page(harbor, "visitor", keychain_id=keychain_id),
    ):
        assert "no-store" in rosa_client.get(url)["Cache-Control"]


def test_passes_need_a_signed_in_resident(client, harbor):
    response = client.get(page(harbor))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_passes_butterflymx_cannot_list_are_explained(bmx_sandbox, rosa_client, harbor):
    bmx_sandbox.fault(endpoint="butterflymx.keychains", kind="status", status=503)

    response = rosa_client.get(page(harbor))

    assert response.status_code == 503
    assert "isn't answering right now" in text(response)


def test_the_open_list_refreshes_itself_with_only_the_passes(bmx_sandbox, rosa_client, harbor):
    make_pass(rosa_client, harbor, form(bmx_sandbox))

    full = text(rosa_client.get(page(harbor)))
    refresh = rosa_client.get(page(harbor), HTTP_HX_REQUEST="true")

    assert 'hx-trigger="every 60s"' in full
    assert refresh.status_code == 200
    assert text(refresh).lstrip().startswith('<div id="pass-list"')
    assert "Ana" in text(refresh) and "<html" not in text(refresh)
    assert "HX-Request" in refresh["Vary"]
