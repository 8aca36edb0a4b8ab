from django.contrib import admin

from yalls.core.admin import ReadOnlyAdmin
from yalls.core.webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("slug", "kind", "is_active", "created_at")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "endpoint", "webhook_id", "event_type", "status")
    list_filter = ("endpoint", "status")
    search_fields = ("webhook_id", "event_type")
