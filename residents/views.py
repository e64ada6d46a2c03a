"""Resident pages: home, account and the ButterflyMX connection."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from residents.selectors import connection_for_user
from residents.services import connection_disconnect


@require_GET
@login_required
def home(request):
    connection = connection_for_user(user=request.user)
    return render(request, "residents/home.html", {"connection": connection})


@require_GET
@login_required
def account(request):
    connection = connection_for_user(user=request.user)
    return render(request, "residents/account.html", {"connection": connection})


@require_http_methods(["GET", "POST"])
@login_required
def disconnect(request):
    connection = connection_for_user(user=request.user)
    if connection is None:
        messages.info(request, "No ButterflyMX account is connected.")
        return redirect("account")
    if request.method == "GET":
        return render(request, "residents/disconnect.html", {"connection": connection})
    revoked = connection_disconnect(user=request.user)
    if revoked:
        messages.success(request, "ButterflyMX is disconnected. Foyer no longer holds its keys.")
    else:
        messages.warning(
            request,
            "ButterflyMX is disconnected from Foyer and its keys are deleted here. ButterflyMX "
            "didn't confirm the revocation; you can also remove Foyer in your ButterflyMX account.",
        )
    return redirect("account")
