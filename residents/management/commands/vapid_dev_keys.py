"""Write a development VAPID key pair to .vapid.json unless one exists (`make run` calls it):
the demo sends doorbell notifications without anyone making keys."""

import base64
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.management.base import BaseCommand


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def vapid_key_pair() -> tuple[str, str]:
    """A P-256 key pair as Web Push wants it: the private key's 32 raw bytes and the public
    key's uncompressed point, both base64url without padding."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(private), _b64url(public)


class Command(BaseCommand):
    help = "Create development VAPID keys in .vapid.json if there are none."

    def handle(self, *args, **options):
        path = settings.VAPID_DEVELOPMENT_FILE
        if settings.VAPID_PRIVATE_KEY and not path.exists():
            self.stdout.write("VAPID keys come from the environment.")
            return
        if path.exists():
            self.stdout.write(f"Development VAPID keys: {path.name}")
            return
        private, public = vapid_key_pair()
        keys = {
            "private_key": private,
            "public_key": public,
            "subject": "mailto:demo@foyer.example",
        }
        path.write_text(json.dumps(keys, indent=2) + "\n")
        path.chmod(0o600)
        self.stdout.write(f"Wrote development VAPID keys to {path.name}")
