"""Reading what the client sent, as `responses` recorded it."""

from urllib.parse import parse_qs, urlsplit


def query(call) -> dict:
    """A recorded call's query string, one value per parameter."""
    return {key: values[0] for key, values in parse_qs(urlsplit(call.request.url).query).items()}
