"""The ButterflyMX client against the sandbox over real HTTP: every endpoint, paging,
each injected fault and the typed error it becomes, and the OAuth token calls."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from residents.butterflymx.client import (
    BadResponse,
    ButterflyMXClient,
    ButterflyMXError,
    DoorKind,
    EntryMethod,
    EntryMethodKind,
    Forbidden,
    InvalidGrant,
    KeychainType,
    NotFound,
    OAuthError,
    RateLimited,
    Unauthorized,
    Unavailable,
    UpstreamTimeout,
    ValidationFailed,
    photo_fetch,
    token_info,
    token_refresh,
    token_revoke,
)
from sandbox.butterflymx.services import keypad_enter

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])

HARBOR_POINT, ELM_STREET, GRAND_TOWER, SKYLINE_COMMONS = 11743, 11879, 27865, 31200


@pytest.fixture
def world(bmx_sandbox):
    return bmx_sandbox.world


@pytest.fixture
def rosa_tokens(bmx_sandbox, world):
    return bmx_sandbox.issue_tokens(world.rosa)


@pytest.fixture
def rosa(rosa_tokens):
    return ButterflyMXClient(rosa_tokens["access_token"])


@pytest.fixture
def fast_timeouts(settings):
    settings.BUTTERFLYMX_CONNECT_TIMEOUT = 1.0
    settings.BUTTERFLYMX_READ_TIMEOUT = 0.3


class TestEndpoints:
    def test_tenants(self, bmx_sandbox, rosa, world):
        tenants = rosa.tenants()

        assert [tenant.id for tenant in tenants] == [
            world.rosa_harbor.id,
            world.rosa_elm.id,
            world.rosa_skyline.id,
        ]
        harbor, elm, skyline = tenants
        assert (harbor.building_id, harbor.building_name, harbor.building_timezone) == (
            HARBOR_POINT,
            "Harbor Point",
            "America/New_York",
        )
        assert (harbor.unit.id, harbor.unit.label, harbor.unit.floor) == (101356, "4B", "4")
        assert (elm.building_name, elm.building_timezone) == (
            "Elm Street Lofts",
            "America/Chicago",
        )
        assert (skyline.building_id, skyline.building_name, skyline.building_timezone) == (
            SKYLINE_COMMONS,
            "Skyline Commons",
            "America/Denver",
        )
        assert (skyline.unit.id, skyline.unit.label, skyline.unit.floor) == (101601, "1205", "12")
        assert harbor.display_name == "Rosa Resident"
        assert harbor.email == "resident@foyer.example"
        assert bmx_sandbox.calls("butterflymx.tenants") == 1

    def test_buildings_and_building(self, bmx_sandbox, rosa):
        assert [(b.id, b.name, b.timezone) for b in rosa.buildings()] == [
            (HARBOR_POINT, "Harbor Point", "America/New_York"),
            (ELM_STREET, "Elm Street Lofts", "America/Chicago"),
            (SKYLINE_COMMONS, "Skyline Commons", "America/Denver"),
        ]
        assert rosa.building(ELM_STREET).name == "Elm Street Lofts"
        with pytest.raises(NotFound):
            rosa.building(GRAND_TOWER)
        assert bmx_sandbox.calls("butterflymx.building") == 2

    def test_access_points(self, rosa):
        access_points = rosa.access_points(HARBOR_POINT)

        assert [ap.name for ap in access_points] == [
            "Front door",
            "Garage",
            "Package room",
            "Gym",
            "Roof deck",
        ]
        assert {ap.building_id for ap in access_points} == {HARBOR_POINT}
        assert access_points[0].device_ids == (37130,)

    def test_devices_hold_common_hardware_and_the_residents_own_smart_lock(self, rosa, world):
        devices = rosa.devices(HARBOR_POINT)

        smart_locks = [device for device in devices if device.type == "smart_lock"]
        assert [device.id for device in smart_locks] == [world.rosa_smart_lock.id]
        assert smart_locks[0].unit_id == world.rosa_unit.id
        assert world.sam_smart_lock.id not in {device.id for device in devices}
        assert {device.type for device in devices} >= {"panel", "keypad"}
        assert {device.building_id for device in devices} == {HARBOR_POINT}

    def test_grand_tower_doors_span_two_pages(self, bmx_sandbox, world):
        pat = ButterflyMXClient(bmx_sandbox.issue_tokens(world.pat)["access_token"])

        access_points = pat.access_points(GRAND_TOWER)

        assert len(access_points) == 130
        assert len({ap.id for ap in access_points}) == 130
        assert access_points[0].name == "Lobby door"
        assert bmx_sandbox.calls("butterflymx.access_points") == 2

    def test_door_release_by_access_point_lands_in_the_access_log(self, bmx_sandbox, rosa, world):
        release = rosa.door_release(
            tenant_id=world.rosa_harbor.id,
            kind=DoorKind.ACCESS_POINT,
            door_id=world.harbor_front_door.id,
        )

        assert (release.tenant_id, release.access_point_id, release.device_id) == (
            world.rosa_harbor.id,
            world.harbor_front_door.id,
            None,
        )
        assert release.release_method == "api"
        assert release.created_at is not None
        newest = rosa.access_log_page(HARBOR_POINT, per=1).items[0]
        assert (newest.access_point_id, newest.tenant_id, newest.entry_method) == (
            world.harbor_front_door.id,
            world.rosa_harbor.id,
            EntryMethod(EntryMethodKind.TEXT, text="API"),
        )
        assert (newest.release_type, newest.unit_id) == ("Tenant", world.rosa_unit.id)
        assert abs(newest.logged_at - release.created_at) < timedelta(seconds=2)
        assert bmx_sandbox.calls("butterflymx.door_release") == 1

    def test_door_release_by_device(self, rosa, world):
        release = rosa.door_release(
            tenant_id=world.rosa_harbor.id, kind=DoorKind.DEVICE, door_id=world.rosa_smart_lock.id
        )

        assert (release.device_id, release.access_point_id) == (world.rosa_smart_lock.id, None)

    def test_another_residents_ids_are_refused(self, rosa, world):
        with pytest.raises(NotFound):
            rosa.door_release(
                tenant_id=world.rosa_harbor.id,
                kind=DoorKind.DEVICE,
                door_id=world.sam_smart_lock.id,
            )
        with pytest.raises(NotFound):
            rosa.door_release(
                tenant_id=world.sam_harbor.id,
                kind=DoorKind.ACCESS_POINT,
                door_id=world.harbor_front_door.id,
            )

    def test_a_door_of_another_building_fails_validation(self, rosa, world):
        with pytest.raises(ValidationFailed) as raised:
            rosa.door_release(
                tenant_id=world.rosa_harbor.id,
                kind=DoorKind.ACCESS_POINT,
                door_id=world.elm_front_door.id,
            )

        assert raised.value.status == 422
        assert [error.field for error in raised.value.errors] == ["access_point_id"]

    def test_the_access_log_pages_back_in_time(self, rosa, world):
        """Every entry of Rosa's Harbor Point log, two at a time, newest first: each of the
        documented entry_method shapes is there, schedule rows too, and nobody else's."""
        entries, page = [], 1
        while page is not None:
            found = rosa.access_log_page(HARBOR_POINT, page=page, per=2)
            entries += found.items
            page = found.next_page

        times = [entry.logged_at for entry in entries]
        assert times == sorted(times, reverse=True)
        assert {entry.entry_method.kind for entry in entries} == set(EntryMethodKind) - {
            EntryMethodKind.OTHER
        }
        assert any(entry.is_schedule for entry in entries)
        assert {entry.unit_id for entry in entries if not entry.is_schedule} == {world.rosa_unit.id}
        until = entries[3].logged_at
        older = rosa.access_log_page(HARBOR_POINT, until=until).items
        assert [entry.id for entry in older] == [e.id for e in entries if e.logged_at <= until]

    def test_calls_to_her_unit_with_a_photo_anyone_may_fetch(self, rosa, world):
        calls = rosa.calls_page(HARBOR_POINT).items

        assert {call.unit_id for call in calls} == {world.rosa_unit.id}
        missed = next(call for call in calls if call.id == world.rosa_missed_call.pk)
        assert (missed.status, missed.device_name) == (
            "timeout_online_signal",
            world.harbor_panel.name,
        )
        photo = photo_fetch(missed.image_url)
        assert photo.content_type == "image/png"
        assert photo.content.startswith(b"\x89PNG\r\n\x1a\n")

    def test_a_bad_token_is_unauthorized(self, bmx_sandbox):
        with pytest.raises(Unauthorized) as raised:
            ButterflyMXClient("not-a-token").tenants()

        assert raised.value.code == "unauthorized"
        assert bmx_sandbox.calls("butterflymx.tenants") == 1


class TestFaults:
    @pytest.mark.parametrize(
        ("status", "error_class"),
        [
            (401, Unauthorized),
            (403, Forbidden),
            (404, NotFound),
            (422, ValidationFailed),
            (500, Unavailable),
            (418, ButterflyMXError),
        ],
    )
    def test_an_injected_status_becomes_its_typed_error(
        self, bmx_sandbox, rosa, status, error_class
    ):
        bmx_sandbox.fault(endpoint="butterflymx.tenants", kind="status", status=status)

        with pytest.raises(error_class) as raised:
            rosa.tenants()

        assert type(raised.value) is error_class
        assert raised.value.status == status
        assert bmx_sandbox.calls("butterflymx.tenants") == 1

    @pytest.mark.parametrize("status", [502, 503, 504])
    def test_a_get_recovers_from_one_transient_status(self, bmx_sandbox, rosa, status):
        bmx_sandbox.fault(endpoint="butterflymx.devices", kind="status", status=status, times=1)

        assert len(rosa.devices(HARBOR_POINT)) == 5
        assert bmx_sandbox.calls("butterflymx.devices") == 2

    def test_a_get_gives_up_after_bounded_retries(self, bmx_sandbox, rosa):
        bmx_sandbox.fault(endpoint="butterflymx.access_points", kind="status", status=503)

        with pytest.raises(Unavailable):
            rosa.access_points(HARBOR_POINT)

        assert bmx_sandbox.calls("butterflymx.access_points") == 3

    def test_a_short_retry_after_is_waited_for(self, bmx_sandbox, rosa):
        bmx_sandbox.fault(
            endpoint="butterflymx.buildings",
            kind="status",
            status=429,
            headers={"Retry-After": "0"},
            times=1,
        )

        assert len(rosa.buildings()) == 3
        assert bmx_sandbox.calls("butterflymx.buildings") == 2

    def test_a_long_retry_after_fails_at_once(self, bmx_sandbox, rosa):
        bmx_sandbox.fault(
            endpoint="butterflymx.buildings",
            kind="status",
            status=429,
            headers={"Retry-After": "120"},
        )

        with pytest.raises(RateLimited) as raised:
            rosa.buildings()

        assert raised.value.retry_after == 120.0
        assert bmx_sandbox.calls("butterflymx.buildings") == 1

    def test_an_html_error_page_is_unavailable(self, bmx_sandbox, rosa):
        bmx_sandbox.fault(endpoint="butterflymx.tenants", kind="html")

        with pytest.raises(Unavailable) as raised:
            rosa.tenants()

        assert raised.value.status == 502
        assert bmx_sandbox.calls("butterflymx.tenants") == 3

    def test_an_html_page_with_success_is_a_bad_response(self, bmx_sandbox, rosa):
        bmx_sandbox.fault(endpoint="butterflymx.tenants", kind="html", status=200)

        with pytest.raises(BadResponse):
            rosa.tenants()

    def test_a_malformed_body_is_a_bad_response(self, bmx_sandbox, rosa):
        bmx_sandbox.fault(endpoint="butterflymx.access_points", kind="malformed")

        with pytest.raises(BadResponse):
            rosa.access_points(HARBOR_POINT)

        assert bmx_sandbox.calls("butterflymx.access_points") == 1

    def test_a_connection_dropped_in_the_body_is_unavailable(self, bmx_sandbox, rosa):
        # The answer had begun, so urllib3 does not send the GET again (one dropped before
        # any answer is retried: test_retries.py).
        bmx_sandbox.fault(endpoint="butterflymx.tenants", kind="drop", times=1)

        with pytest.raises(Unavailable):
            rosa.tenants()

        assert bmx_sandbox.calls("butterflymx.tenants") == 1

    def test_a_hanging_get_times_out_without_a_retry(self, bmx_sandbox, rosa, fast_timeouts):
        bmx_sandbox.fault(endpoint="butterflymx.tenants", kind="hang", hang_seconds=0.8)

        with pytest.raises(UpstreamTimeout):
            rosa.tenants()

        assert bmx_sandbox.calls("butterflymx.tenants") == 1

    def test_latency_below_the_timeout_is_fine(self, bmx_sandbox, rosa, settings):
        settings.BUTTERFLYMX_READ_TIMEOUT = 2.0
        bmx_sandbox.fault(endpoint="butterflymx.buildings", latency_ms=100)

        assert len(rosa.buildings()) == 3

    def test_a_door_release_is_sent_exactly_once(self, bmx_sandbox, rosa, world):
        # The fault matrix sends a release into every other fault; a dropped connection,
        # which a read would retry, is the one it does not.
        logged = len(rosa.access_log_page(HARBOR_POINT, per=100).items)
        bmx_sandbox.fault(endpoint="butterflymx.door_release", times=1, kind="drop")

        with pytest.raises(Unavailable) as raised:
            rosa.door_release(
                tenant_id=world.rosa_harbor.id,
                kind=DoorKind.ACCESS_POINT,
                door_id=world.harbor_front_door.id,
            )

        assert type(raised.value) is Unavailable
        assert bmx_sandbox.calls("butterflymx.door_release") == 1
        assert len(rosa.access_log_page(HARBOR_POINT, per=100).items) == logged


class TestOAuth:
    def test_token_info_names_the_person(self, bmx_sandbox, rosa_tokens, world):
        info = token_info(access_token=rosa_tokens["access_token"])

        assert info.resource_owner_id == world.rosa.id
        assert info.scope == ("public",)
        assert info.application_uid == "foyer-sandbox-client"
        assert 0 < info.expires_in <= 86400
        assert bmx_sandbox.calls("butterflymx.token_info") == 1

    def test_token_info_with_a_bad_token(self, bmx_sandbox):
        with pytest.raises(Unauthorized) as raised:
            token_info(access_token="not-a-token")

        assert raised.value.code == "invalid_token"

    def test_token_info_retries_a_transient_failure(self, bmx_sandbox, rosa_tokens, world):
        bmx_sandbox.fault(endpoint="butterflymx.token_info", kind="status", status=503, times=1)

        assert token_info(access_token=rosa_tokens["access_token"]).resource_owner_id == (
            world.rosa.id
        )
        assert bmx_sandbox.calls("butterflymx.token_info") == 2

    def test_refresh_rotates_the_refresh_token(self, bmx_sandbox, rosa_tokens, world):
        fresh = token_refresh(refresh_token=rosa_tokens["refresh_token"])

        assert fresh.access_token != rosa_tokens["access_token"]
        assert fresh.refresh_token not in (None, rosa_tokens["refresh_token"])
        assert fresh.scope == "public"
        assert fresh.expires_in == 86400
        assert [t.id for t in ButterflyMXClient(fresh.access_token).tenants()] == [
            world.rosa_harbor.id,
            world.rosa_elm.id,
            world.rosa_skyline.id,
        ]
        with pytest.raises(InvalidGrant) as raised:
            token_refresh(refresh_token=rosa_tokens["refresh_token"])
        assert raised.value.code == "invalid_grant"
        assert token_refresh(refresh_token=fresh.refresh_token).access_token
        assert bmx_sandbox.calls("butterflymx.token") == 3

    def test_refresh_with_a_wrong_client_secret(self, bmx_sandbox, rosa_tokens, settings):
        settings.BUTTERFLYMX_CLIENT_SECRET = "not-the-secret"

        with pytest.raises(OAuthError) as raised:
            token_refresh(refresh_token=rosa_tokens["refresh_token"])

        assert type(raised.value) is OAuthError
        assert (raised.value.status, raised.value.code) == (401, "invalid_client")

    @pytest.mark.parametrize("kind", ["status", "drop", "html"])
    def test_a_failed_refresh_is_not_retried(self, bmx_sandbox, rosa_tokens, kind):
        bmx_sandbox.fault(endpoint="butterflymx.token", kind=kind, status=503, times=1)

        with pytest.raises(Unavailable):
            token_refresh(refresh_token=rosa_tokens["refresh_token"])

        assert bmx_sandbox.calls("butterflymx.token") == 1

    def test_revoke_ends_the_access_token_and_the_refresh_token(self, bmx_sandbox, rosa_tokens):
        assert token_revoke(token=rosa_tokens["access_token"]) is None

        with pytest.raises(Unauthorized):
            ButterflyMXClient(rosa_tokens["access_token"]).tenants()
        with pytest.raises(InvalidGrant):
            token_refresh(refresh_token=rosa_tokens["refresh_token"])
        assert bmx_sandbox.calls("butterflymx.revoke") == 1

    def test_revoke_failure_raises(self, bmx_sandbox, rosa_tokens):
        bmx_sandbox.fault(endpoint="butterflymx.revoke", kind="status", status=503)

        with pytest.raises(Unavailable):
            token_revoke(token=rosa_tokens["refresh_token"])

        assert bmx_sandbox.calls("butterflymx.revoke") == 1


def test_tokens_never_reach_the_logs(bmx_sandbox, rosa_tokens, world, caplog):
    access, refresh = rosa_tokens["access_token"], rosa_tokens["refresh_token"]
    bmx_sandbox.fault(endpoint="butterflymx.devices", kind="status", status=503, times=1)

    with caplog.at_level(logging.DEBUG):
        client = ButterflyMXClient(access)
        client.tenants()
        client.devices(HARBOR_POINT)
        client.door_release(
            tenant_id=world.rosa_harbor.id, kind=DoorKind.DEVICE, door_id=world.rosa_smart_lock.id
        )
        token_info(access_token=access)
        fresh = token_refresh(refresh_token=refresh)
        token_revoke(token=fresh.refresh_token)
        with pytest.raises(Unauthorized) as raised:
            ButterflyMXClient(fresh.access_token).tenants()

    messages = [record.getMessage() for record in caplog.records]
    assert any("/v4/door_release_requests" in message for message in messages)
    for text in [*messages, str(raised.value), repr(client), repr(fresh)]:
        for secret in (access, refresh, fresh.access_token, fresh.refresh_token):
            assert secret not in text


class TestVisitorPasses:
    """The client's visitor-pass calls against the sandbox, down to a visitor at the keypad."""

    def test_a_pass_opens_the_door_it_names_until_it_is_revoked(self, bmx_sandbox, rosa, world):
        now = datetime.now(UTC).replace(microsecond=0)
        keychain = rosa.keychain_create_custom(
            world.rosa_harbor.id,
            name="Maria",
            starts_at=now - timedelta(minutes=5),
            ends_at=now + timedelta(hours=2),
            access_point_ids=[world.harbor_front_door.id],
            device_ids=[],
        )
        key = rosa.virtual_key_create(keychain.id, name="Maria")

        assert keychain.type == KeychainType.CUSTOM
        listed = [k.id for k in rosa.keychains(world.rosa_harbor.id)]
        assert listed == [world.maria_pass.pk, keychain.id]
        assert key.pin_code and len(key.pin_code) == 6
        entry = keypad_enter(access_point_id=world.harbor_front_door.id, pin_code=key.pin_code)
        assert entry.opened, entry.message
        (used,) = rosa.virtual_keys(keychain.id)
        assert used.usage_count == 1 and used.last_used_at is not None

        rosa.keychain_delete(keychain.id)

        assert not keypad_enter(
            access_point_id=world.harbor_front_door.id, pin_code=key.pin_code
        ).opened
        with pytest.raises(NotFound):
            rosa.keychain(keychain.id)

    def test_reversed_times_are_refused_beside_their_field(self, rosa, world):
        now = datetime.now(UTC).replace(microsecond=0)

        with pytest.raises(ValidationFailed) as refused:
            rosa.keychain_create_one_time(
                world.rosa_harbor.id,
                name="Backwards",
                starts_at=now + timedelta(hours=2),
                ends_at=now,
                access_point_ids=[world.harbor_front_door.id],
                device_ids=[],
            )

        fields = {(error.field, error.code) for error in refused.value.errors}
        assert ("starts_at", "start_time_must_be_before_the_end_time") in fields

    def test_the_building_says_whether_it_takes_delivery_passes(self, rosa, world):
        capabilities = rosa.building_capabilities(world.rosa_harbor.building_id)

        assert capabilities.delivery_pass_enabled is True
