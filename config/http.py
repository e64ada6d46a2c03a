"""A ``requests.Session`` for the upstream clients that reads the process's environment once
per upstream origin instead of on every request.

A plain session consults the environment on every request: it walks ``os.environ`` for
proxies and ``no_proxy``, looks for a ``.netrc`` file and reads the CA bundle variables. That
costs more CPU than preparing the rest of the request, and the environment of a running
process does not change. Here the proxies (``no_proxy`` honoured) and the CA bundle are read
once per scheme and host. Upstream credentials come from settings, so ``.netrc`` is not read.
"""

from __future__ import annotations

import functools
import os
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.utils import get_environ_proxies


@functools.lru_cache(maxsize=32)
def _environment(origin: str) -> tuple[dict[str, str], str | None]:
    """The environment's proxies for this origin, and its CA bundle if it names one."""
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None
    return get_environ_proxies(origin), bundle


class Session(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        # The environment is merged in below, from what was read once per origin.
        self.trust_env = False

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        parts = urlsplit(url if isinstance(url, str) else (url or b"").decode())
        environment_proxies, bundle = _environment(f"{parts.scheme}://{parts.netloc}")
        # Proxies given for the request win, as in requests.
        proxies = {**environment_proxies, **(proxies or {})}
        if bundle and verify in (None, True):
            verify = bundle
        return super().merge_environment_settings(url, proxies, stream, verify, cert)
