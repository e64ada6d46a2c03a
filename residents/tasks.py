"""Background work (django-tasks): what happens after a ButterflyMX webhook delivery."""

from django_tasks import task

from residents.doorbell import doorbell_notify
from residents.failures import FAILURES
from residents.models import DoorbellWebhook
from residents.selectors import DoorNotFound, connection_for_user


@task()
def doorbell_ring(
    webhook_id: int, call_guid: str | None = None, panel_id: int | None = None
) -> int:
    """A delivery came for this webhook: re-read the building's calls with the resident's
    token and push the ringing one. Of the delivery's body only its call guid and panel id
    come here, kept with the call found for telling the panel it was handled; the door, the
    unit and the photo come from the re-read alone."""
    webhook = DoorbellWebhook.objects.select_related("user").filter(pk=webhook_id).first()
    if webhook is None:
        return 0
    connection = connection_for_user(user=webhook.user)
    if connection is None or connection.needs_reconnect:
        return 0
    try:
        return doorbell_notify(
            connection=connection,
            building_id=webhook.building_id,
            tenant_id=webhook.tenant_id,
            call_guid=call_guid,
            panel_id=panel_id,
        )
    except DoorNotFound:
        return 0  # the tenancy ended; the webhook goes with the next opt-out
    except FAILURES:
        return 0  # the call has stopped ringing by the time a retry could run
