"""The doors page's cards, put together from residents.cards."""

from django import template

register = template.Library()


@register.filter
def card(cards, door):
    """The door's card at rest, as the view gathered it."""
    return cards[(door.kind, door.id)]
