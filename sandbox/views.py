"""The sandbox's control endpoint: read call counts, set and clear faults over HTTP.

Used by the benchmark, which runs the sandbox as its own process.
"""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sandbox import faults


@csrf_exempt
@require_http_methods(["GET", "POST", "DELETE"])
def control(request):
    if request.method == "POST":
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
