"""What anyone reaches without a token: a key's QR code and instructions, the intercom's
photos, and the keypad."""

from io import BytesIO

import qrcode
import qrcode.image.svg
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from sandbox.butterflymx.photos import photo_png
from sandbox.butterflymx.selectors import (
    keypad_doors,
    keypad_fobs,
    photo_is_known,
    virtual_key_by_token,
)
from sandbox.butterflymx.services import keypad_enter, keypad_tap
from sandbox.faults import endpoint


def _token_is_known(request) -> bool:
    # Faults apply to the holder of a real link only, as the API's apply to a live token.
    token = request.resolver_match.kwargs.get("token", "") if request.resolver_match else ""
    return virtual_key_by_token(token=token) is not None


def _key_or_404(token: str):
    key = virtual_key_by_token(token=token)
    if key is None:
        raise Http404("No such pass.")
    return key


@endpoint("butterflymx.virtual_key_qr_code", authenticated=_token_is_known)
@require_GET
def qr_code(request, token):
    _key_or_404(token)
    # The code carries the keypad's address for this key, so that a phone can play the door.
    target = request.build_absolute_uri(reverse("sandbox_bmx_keypad_qr", args=[token]))
    image = qrcode.make(target, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@endpoint("butterflymx.virtual_key_instructions", authenticated=_token_is_known)
@require_GET
def instructions(request, token):
    key = _key_or_404(token)
    response = render(
        request,
        "sandbox/butterflymx/instructions.html",
        {
            "key": key,
            "keychain": key.keychain,
            "qr_code_url": reverse("sandbox_bmx_virtual_key_qr_code", args=[token]),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _photo_is_known(request) -> bool:
    photo = request.resolver_match.kwargs.get("photo", "") if request.resolver_match else ""
    return photo_is_known(photo=photo)


@endpoint("butterflymx.photo", authenticated=_photo_is_known)
@require_GET
def photo(request, photo):
    """An intercom's photo: public and unsigned, as ButterflyMX serves them."""
    if not photo_is_known(photo=photo):
        raise Http404("No such photo.")
    response = HttpResponse(photo_png(photo), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _posted_id(request, name: str) -> int | None:
    value = request.POST.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _keypad_page(request, *, token: str | None):
    outcome = None
    chosen = None
    if request.method == "POST":
        chosen = _posted_id(request, "access_point_id")
        if token:
            outcome = keypad_enter(access_point_id=chosen or 0, token=token)
        elif "access_tool_id" in request.POST:
            outcome = keypad_tap(
                access_point_id=chosen or 0, access_tool_id=_posted_id(request, "access_tool_id")
            )
        else:
            outcome = keypad_enter(
                access_point_id=chosen or 0, pin_code=request.POST.get("pin_code", "").strip()
            )
    doors = list(keypad_doors())
    response = render(
        request,
        "sandbox/butterflymx/keypad.html",
        {
            "doors": doors,
            "fobs": keypad_fobs(),
            "outcome": outcome,
            "chosen": chosen,
            "token": token,
        },
        # A refusal is 403, so that a test or a script can tell it from an opening.
        status=200 if outcome is None or outcome.opened else 403,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def keypad(request):
    return _keypad_page(request, token=None)


@require_http_methods(["GET", "POST"])
def keypad_qr(request, token):
    _key_or_404(token)
    return _keypad_page(request, token=token)
