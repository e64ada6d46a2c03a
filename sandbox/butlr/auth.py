"""Bearer tokens of the Butlr sandbox: stateless signed values that carry their own expiry.

Any sandbox process can check a token without shared state, and nothing needs storing.
"""

from __future__ import annotations

import time
import uuid

from django.core import signing

_SALT = "sandbox.butlr.token"


def token_issue(*, subject: str, kind: str, lifetime: int) -> str:
    """A bearer token for ``subject`` (a client id) valid for ``lifetime`` s.

    ``kind`` names what the token is for; only "access" tokens open the API.
    """
    payload = {"sub": subject, "kind": kind, "exp": time.time() + lifetime, "jti": uuid.uuid4().hex}
    return signing.dumps(payload, salt=_SALT)


def token_subject(*, token: str) -> str | None:
    """The subject of a valid, unexpired access token, or None."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("kind") != "access":
        return None
    if payload.get("exp", 0) <= time.time():
        return None
    return payload.get("sub")


def bearer_subject(*, authorization: str) -> str | None:
    """The subject of the access token in an ``Authorization: Bearer ...`` header, or None."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token_subject(token=token.strip())
