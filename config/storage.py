"""Static files as production serves them: compressed, hashed, and each URL worked out once.

Whitenoise's manifest storage looks every ``{% static %}`` name up in the manifest and builds
its URL again on every call, a dozen times a page. The manifest is read once when the process
starts and never changes while it runs, so neither does a name's URL.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: Any, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
