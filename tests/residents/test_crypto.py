"""Token encryption at rest, and key rotation."""

import pytest
from cryptography.fernet import Fernet

from residents.crypto import InvalidToken, token_decrypt, token_encrypt, token_reencrypt


def test_round_trip_hides_the_plaintext():
    ciphertext = token_encrypt("an-access-token")
    assert "an-access-token" not in ciphertext
    assert token_decrypt(ciphertext) == "an-access-token"


def test_old_ciphertext_still_decrypts_after_a_new_key_is_added(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old_key]
    ciphertext = token_encrypt("refresh-me")

    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    assert token_decrypt(ciphertext) == "refresh-me"
    rotated = token_reencrypt(ciphertext)

    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    assert token_decrypt(rotated) == "refresh-me"
    with pytest.raises(InvalidToken):
        token_decrypt(ciphertext)
