"""Production's static files storage: the manifest's URLs, each worked out once."""

import json

import pytest
from django.test import override_settings

from config.storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    manifest = {"version": "1.1", "hash": "0", "paths": {"css/foyer.css": "css/foyer.1a2b.css"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    with override_settings(DEBUG=False):
        yield StaticFilesStorage(location=str(tmp_path), base_url="/static/")


def test_a_name_is_looked_up_in_the_manifest_once(storage, monkeypatch):
    looked_up = []
    original = storage.stored_name

    def stored_name(name):
        looked_up.append(name)
        return original(name)

    monkeypatch.setattr(storage, "stored_name", stored_name)
    assert storage.url("css/foyer.css") == "/static/css/foyer.1a2b.css"
    assert storage.url("css/foyer.css") == "/static/css/foyer.1a2b.css"
    assert looked_up == ["css/foyer.css"]


def test_a_name_missing_from_the_manifest_still_fails_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
