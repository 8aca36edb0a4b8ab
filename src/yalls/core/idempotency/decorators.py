"""`@idempotent(required=True)`: a write that moves money or seats refuses to run without a key."""

MARK = "_yalls_idempotency"


def idempotent(*, required: bool = False):
    """Mark an API write handler. Every API write already accepts an Idempotency-Key (the
    middleware does that); `required=True` makes a request without one a 400
    `idempotency.key_required` before the handler runs.

        @router.post("/checkout", response=OrderOut)
        @idempotent(required=True)
        def checkout(request, payload: CheckoutIn): ...

    Either decorator order works: ninja registers the function object itself.
    """

    def decorate(view):
        setattr(view, MARK, {"required": required})
        return view

    return decorate
