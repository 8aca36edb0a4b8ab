"""The registry of webhook handlers, by endpoint kind. A domain app registers its own:

from yalls.core.webhooks.handlers import webhook_handler

@webhook_handler("payments")
def on_payment_event(delivery):  # runs in a job, may run twice: be idempotent
    ...
"""

from collections.abc import Callable

_HANDLERS: dict[str, Callable] = {}


def webhook_handler(kind: str):
    def register(func: Callable) -> Callable:
        _HANDLERS[kind] = func
        return func

    return register


def handler_for(kind: str) -> Callable | None:
    return _HANDLERS.get(kind)


@webhook_handler("store")
def store_only(delivery) -> None:
    """Endpoints of kind "store" keep the delivery for later use; nothing else to do."""
