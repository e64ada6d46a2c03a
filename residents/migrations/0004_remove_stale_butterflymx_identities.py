"""Remove the ButterflyMX identities that a reconnect as another person left behind.

Before a Foyer account held a single ButterflyMX identity, connecting as a second person
kept the first one's social account, which could still sign in to the Foyer account. Every
ButterflyMX social account that no connection uses is such a leftover (Foyer stores no
token for it, so there is nothing to revoke).
"""

from django.db import migrations


def stale_identities_delete(apps, schema_editor):
    SocialAccount = apps.get_model("socialaccount", "SocialAccount")
    ButterflyMXConnection = apps.get_model("residents", "ButterflyMXConnection")
    in_use = ButterflyMXConnection.objects.values("social_account_id")
    SocialAccount.objects.filter(provider="butterflymx").exclude(pk__in=in_use).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0003_door_event_pending"),
        ("socialaccount", "0006_alter_socialaccount_extra_data"),
    ]

    operations = [
        migrations.RunPython(stale_identities_delete, migrations.RunPython.noop, elidable=True),
    ]
