"""Re-encrypt every stored ButterflyMX token with the newest key in TOKEN_ENCRYPTION_KEYS.

Rotation: put a new key first in TOKEN_ENCRYPTION_KEYS (keeping the old ones after it),
deploy, run this command, then drop the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from residents.crypto import token_reencrypt
from residents.models import ButterflyMXConnection


class Command(BaseCommand):
    help = "Re-encrypt stored ButterflyMX tokens with the newest encryption key."

    def handle(self, *args, **options):
        count = 0
        for pk in ButterflyMXConnection.objects.values_list("pk", flat=True):
            with transaction.atomic():
                connection = ButterflyMXConnection.objects.select_for_update().get(pk=pk)
                connection.access_token_ciphertext = token_reencrypt(
                    connection.access_token_ciphertext
                )
                if connection.refresh_token_ciphertext:
                    connection.refresh_token_ciphertext = token_reencrypt(
                        connection.refresh_token_ciphertext
                    )
                connection.save(
                    update_fields=["access_token_ciphertext", "refresh_token_ciphertext"]
                )
            count += 1
        self.stdout.write(f"Re-encrypted the tokens of {count} connection(s).")
