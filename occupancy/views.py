"""The property managers' occupancy dashboard."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from occupancy.roles import manager_required


@require_GET
@manager_required
def dashboard(request):
    return render(request, "occupancy/dashboard.html")
