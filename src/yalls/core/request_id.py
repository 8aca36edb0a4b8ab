"""Request ids: accepted from X-Request-ID when well-formed, otherwise made; echoed on every response."""

import re
import uuid

from yalls.core.http import client_ip
from yalls.core.request_context import hash_ip, ip_hash_var, member_hash_var, request_id_var

_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Set, not reset afterwards: Django logs the response (django.request) after middleware returns.
        request_id_var.set(request_id)
        member_hash_var.set(None)
        ip_hash_var.set(hash_ip(client_ip(request)))
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
