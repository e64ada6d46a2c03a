"""Encryption at rest for ButterflyMX tokens (Fernet, with keys that can be rotated)."""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "token_decrypt", "token_encrypt", "token_reencrypt"]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current() -> MultiFernet:
    # Keyed on the configured keys, so a changed setting takes effect at once.
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def token_encrypt(value: str) -> str:
    return _current().encrypt(value.encode()).decode()


def token_decrypt(ciphertext: str) -> str:
    """Decrypt with any configured key; raises InvalidToken if none fits."""
    return _current().decrypt(ciphertext.encode()).decode()


def token_reencrypt(ciphertext: str) -> str:
    """Re-encrypt with the newest key (the first one configured)."""
    return _current().rotate(ciphertext.encode()).decode()
