from django.contrib import admin

from yalls.core.webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("slug", "kind", "is_active", "created_at")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("received_at", "endpoint", "webhook_id", "event_type", "status")
    list_filter = ("endpoint", "status")
    search_fields = ("webhook_id", "event_type")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
