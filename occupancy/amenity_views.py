"""Managers link a ButterflyMX building to a Butlr building and choose the rooms its residents
may see as amenities, under the names they know."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from occupancy.butlr.topology import Building
from occupancy.models import Amenity, BuildingLink
from occupancy.roles import manager_required
from occupancy.services import topology_fetch


class LinkForm(forms.ModelForm):
    class Meta:
        model = BuildingLink
        fields = ("butterflymx_building_id", "butlr_building_id", "name")
        labels = {"name": "Name (for managers)"}

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        if buildings:
            self.fields["butlr_building_id"] = forms.ChoiceField(
                label="Butlr building",
                choices=[
                    (building.id, f"{building.name} ({site.name})") for site, building in buildings
                ],
            )


class RoomChoiceForm(forms.Form):
    shown = forms.BooleanField(required=False, label="Show to residents")
    name = forms.CharField(required=False, max_length=80, label="Name residents know")
    capacity = forms.IntegerField(required=False, min_value=1, label="Capacity")

    def clean(self):
        data = super().clean() or {}
        if data.get("shown") and not (data.get("name") or "").strip():
            self.add_error("name", "Give the name residents know.")
        return data


def _buildings():
    topology = topology_fetch().value
    return topology.buildings() if topology else []


@require_http_methods(["GET", "POST"])
@manager_required
def amenity_links(request: HttpRequest) -> HttpResponse:
    """The linked buildings, and a form to link another."""
    buildings = _buildings()
    form = LinkForm(request.POST or None, buildings=buildings)
    if request.method == "POST" and form.is_valid():
        link = form.save()
        messages.success(request, "Building linked: now choose the rooms residents may see.")
        return redirect("occupancy:amenity_link", link_id=link.pk)
    names = {building.id: building.name for _, building in buildings}
    links = [
        (link, names.get(link.butlr_building_id, link.butlr_building_id))
        for link in BuildingLink.objects.prefetch_related("amenities")
    ]
    return render(
        request,
        "occupancy/amenities.html",
        {"form": form, "links": links, "topology_known": bool(buildings)},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@manager_required
def amenity_link(request: HttpRequest, link_id: int) -> HttpResponse:
    """The rooms of the linked Butlr building: which are shown, named how, with what capacity."""
    link = get_object_or_404(BuildingLink, pk=link_id)
    chosen = {amenity.butlr_room_id: amenity for amenity in link.amenities.all()}
    building: Building | None = next(
        (b for _, b in _buildings() if b.id == link.butlr_building_id), None
    )
    rooms = [
        (room.id, room.name, room.capacity.max)
        for floor in (building.floors if building else ())
        for room in floor.rooms
    ]
    # Rooms chosen before and no longer in Butlr's answer stay listed, so they can be removed.
    known = {room_id for room_id, _, _ in rooms}
    rooms += [
        (room_id, amenity.name, None) for room_id, amenity in chosen.items() if room_id not in known
    ]
    forms_by_room = []
    for index, (room_id, room_name, butlr_capacity) in enumerate(rooms):
        amenity = chosen.get(room_id)
        initial = {
            "shown": amenity is not None,
            "name": amenity.name if amenity else room_name,
            "capacity": amenity.capacity if amenity else None,
        }
        form = RoomChoiceForm(request.POST or None, prefix=f"room-{index}", initial=initial)
        forms_by_room.append((room_id, room_name, butlr_capacity, form))
    # Every form is checked, so that each shows its own errors.
    valid = [form.is_valid() for *_, form in forms_by_room]
    if request.method == "POST" and all(valid):
        with transaction.atomic():
            for position, (room_id, _, _, form) in enumerate(forms_by_room):
                data = form.cleaned_data
                if data["shown"]:
                    Amenity.objects.update_or_create(
                        link=link,
                        butlr_room_id=room_id,
                        defaults={
                            "name": data["name"].strip(),
                            "capacity": data["capacity"],
                            "position": position,
                        },
                    )
                else:
                    Amenity.objects.filter(link=link, butlr_room_id=room_id).delete()
        messages.success(request, "Saved: residents see the rooms chosen.")
        return redirect("occupancy:amenity_link", link_id=link.pk)
    return render(
        request,
        "occupancy/amenity_link.html",
        {"link": link, "building": building, "rooms": forms_by_room},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@manager_required
def amenity_unlink(request: HttpRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(BuildingLink, pk=link_id)
    link.delete()
    messages.success(request, "Building unlinked: its residents see no amenities now.")
    return redirect("occupancy:amenity_links")
