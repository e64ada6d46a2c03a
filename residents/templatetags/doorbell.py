"""The account page's doorbell notifications section."""

from django import template
from django.conf import settings

from residents.models import PushSubscription

register = template.Library()


@register.inclusion_tag("residents/_notifications.html", takes_context=True)
def doorbell_notifications(context):
    user = context["request"].user
    return {
        "devices": list(PushSubscription.objects.filter(user=user)),
        "push_enabled": settings.PUSH_ENABLED,
        "public_key": settings.VAPID_PUBLIC_KEY,
        "csrf_token": context.get("csrf_token"),
        "connection": context.get("connection"),
    }
