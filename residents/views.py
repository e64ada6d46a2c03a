"""Resident pages."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
@login_required
def home(request):
    return render(request, "residents/home.html")


@require_GET
@login_required
def account(request):
    return render(request, "residents/account.html")
