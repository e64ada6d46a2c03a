"""The sandbox's control endpoint: read call counts, set and clear faults over HTTP.

Used by the benchmark, which runs the sandbox as its own process. Whoever sets faults can make
every worker wait, so it answers only this machine: a loopback address, with no sign of a
client a proxy passed on.
"""

import ipaddress
import json

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sandbox import faults

# Headers a proxy on this machine adds for the client it passes on.
_FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host")


def _from_this_machine(request) -> bool:
    proxy_header = getattr(settings, "ALLAUTH_TRUSTED_CLIENT_IP_HEADER", None) or ""
    forwarded = (*_FORWARDING_HEADERS, proxy_header)
    if any(header and header in request.headers for header in forwarded):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


# Exempt from CSRF, as a programs' endpoint; a page elsewhere still cannot post to it from a
# browser on this machine: a JSON body, like DELETE, needs a preflight nobody answers.
@csrf_exempt
@require_http_methods(["GET", "POST", "DELETE"])
def control(request):
    if not _from_this_machine(request):
        return JsonResponse({"error": "the control endpoint answers this machine only"}, status=403)
    if request.method == "POST":
        if request.content_type != "application/json":
            return JsonResponse({"error": "send the faults as application/json"}, status=415)
        try:
            payload = json.loads(request.body or b"{}")
            for spec in payload.get("faults", []):
                faults.fault_add(**spec)
        except (ValueError, TypeError) as exc:
            return JsonResponse({"error": f"bad fault: {exc}"}, status=400)
    elif request.method == "DELETE":
        faults.reset()
    return JsonResponse(
        {
            "calls": faults.calls_all(),
            "faults": [fault.__dict__ for fault in faults.faults_active()],
        }
    )
