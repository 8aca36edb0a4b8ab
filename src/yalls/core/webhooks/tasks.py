"""Jobs of the webhooks machinery."""

from yalls.core.jobs import app
from yalls.core.webhooks import services


@app.task(queue="webhooks", name="yalls.core.webhooks.process")
def webhook_process(delivery_id: str) -> str:
    return services.webhook_process(delivery_id=delivery_id)
