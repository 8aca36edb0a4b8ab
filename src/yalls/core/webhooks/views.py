"""POST /webhooks/<slug>: signed deliveries in (Standard Webhooks)."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from yalls.core.errors import DomainError, domain_error_response
from yalls.core.webhooks import services


@csrf_exempt
@require_POST
def receive(request, slug: str):
    try:
        delivery, created = services.webhook_receive(
            slug=slug, headers=request.headers, body=request.body
        )
    except DomainError as exc:
        return domain_error_response(request, exc)
    if not created:
        # A replay: acknowledge with 200 so the sender stops retrying, and do nothing else.
        return JsonResponse({"status": "duplicate", "delivery_id": str(delivery.id)}, status=200)
    return JsonResponse({"status": "accepted", "delivery_id": str(delivery.id)}, status=202)
