"""Log lines for Foyer: plain or JSON, with tokens and secrets redacted by a filter."""

import json
import logging
import os
import re
from datetime import UTC, datetime

REDACTED = "[redacted]"

# Shorter values would redact ordinary words.
SECRET_MIN_LENGTH = 8
SECRET_SETTINGS = (
    "SECRET_KEY",
    "BUTTERFLYMX_CLIENT_SECRET",
    "BUTLR_CLIENT_SECRET",
    "TOKEN_ENCRYPTION_KEYS",
)

# A visitor pass's PIN, QR code and instructions link open doors, like a token.
_KEYS = (
    r"access_token|refresh_token|id_token|token|client_secret|code_verifier|code"
    r"|authorization|[a-z_]*password[a-z0-9_]*|pin_code|qr_code_url|instructions_url"
)
_QUOTE = r"\\?[\"']"
_PATTERNS = (
    re.compile(r"(?P<head>\bbearer\s+)[\w.~+/-]{8,}=*", re.IGNORECASE),
    re.compile(r"(?P<head>\bauthorization:\s*(?:[a-z]+\s+)?)[^\s\"',;]+", re.IGNORECASE),
    # "key": "value", 'key': 'value' and \"key\": \"value\" (JSON inside a string).
    re.compile(
        rf"(?<![\w-])(?P<head>(?P<quote>{_QUOTE})(?:{_KEYS})(?P=quote)\s*:\s*"
        rf"(?P<open>{_QUOTE})?)(?(open)[^\"'\\]+|[^\s,}}\]\"'\\]+)",
        re.IGNORECASE,
    ),
    # key=value, in query strings, form bodies and messages.
    re.compile(rf"(?<![\w-])(?P<head>(?:{_KEYS})=)[^&\s\"',;]+", re.IGNORECASE),
    # The secret in the address ButterflyMX's doorbell webhooks are delivered to.
    re.compile(r"(?P<head>/doorbell/webhook/)[^/\s\"'?]+"),
)
# Attributes every LogRecord has; anything else on a record came in as an `extra`.
_RECORD_ATTRIBUTES = frozenset(
    [*logging.LogRecord("", 0, "", 0, "", (), None).__dict__, "message", "asctime", "taskName"]
)


def _configured_secrets() -> tuple[list[str], bool]:
    """The configured secrets, longest first, and whether Django's settings were read."""
    values = [os.environ.get(name, "") for name in SECRET_SETTINGS]
    values += os.environ.get("TOKEN_ENCRYPTION_KEYS", "").split(",")
    from django.conf import settings

    # Django's settings are read only once something has loaded them (never in gunicorn's
    # master, whose secrets are those of the environment).
    loaded = settings.configured
    if loaded:
        for name in SECRET_SETTINGS:
            value = getattr(settings, name, "")
            values += value if isinstance(value, list | tuple) else [value]
    secrets = {value.strip() for value in values if isinstance(value, str)}
    return sorted(
        (s for s in secrets if len(s) >= SECRET_MIN_LENGTH), key=len, reverse=True
    ), loaded


class RedactFilter(logging.Filter):
    """Replaces bearer tokens, credential values and configured secrets in every record,
    before any formatter sees it: the message with its arguments, the traceback, the stack
    and the extras that are strings."""

    def __init__(self, name: str = ""):
        super().__init__(name)
        self._secrets: list[str] | None = None
        self._settings_read = False

    def _current_secrets(self) -> list[str]:
        # Read once, and once more when Django's settings have been loaded since (a gunicorn
        # worker inherits its master's handlers, from before the settings).
        from django.conf import settings

        if self._secrets is None or (not self._settings_read and settings.configured):
            self._secrets, self._settings_read = _configured_secrets()
        return self._secrets

    def redact(self, text: str) -> str:
        for secret in self._current_secrets():
            text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda match: match["head"] + REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and isinstance(value, str):
                record.__dict__[key] = self.redact(value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, exception and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in record.__dict__.items():
            if key in _RECORD_ATTRIBUTES or key.startswith("_") or key in entry:
                continue
            # Objects such as Django's request are left out: their repr carries query strings.
            if value is None or isinstance(value, str | bool | int | float):
                entry[key] = value
        return json.dumps(entry, ensure_ascii=False)


# The filter every handler carries, so that nothing reaches a line unredacted.
REDACT_FILTER = {"()": "config.logging.RedactFilter"}


def formatter_config(log_format: str) -> dict:
    """The dictConfig formatter for LOG_FORMAT ("json" or "plain")."""
    if log_format == "json":
        return {"()": "config.logging.JsonFormatter"}
    if log_format == "plain":
        return {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    raise ValueError(f"LOG_FORMAT must be json or plain, not {log_format!r}.")


def gunicorn_logconfig(*, log_format: str) -> dict:
    """gunicorn's logconfig_dict: access lines to stdout, its own messages to stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"foyer": formatter_config(log_format)},
        "filters": {"redact": REDACT_FILTER},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "foyer",
                "filters": ["redact"],
                "stream": "ext://sys.stdout",
            },
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "foyer",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": "INFO", "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        },
    }
