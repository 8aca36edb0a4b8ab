"""Idempotency keys for API writes: one effect per key, the stored response replayed.

`from yalls.core.idempotency import idempotent`; see docs/platform/idempotency.md.
"""

from yalls.core.idempotency.decorators import idempotent

__all__ = ["idempotent"]
