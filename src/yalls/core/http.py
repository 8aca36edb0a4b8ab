"""Small request helpers shared by web views and the API."""

import ipaddress

from django.conf import settings


def _clean_ip(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value.split("%", 1)[0]))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's address: the one function rate limits, the sign-in lockout, sessions and logs use.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    with N trusted hops (settings.TRUSTED_PROXY_HOPS) the client is the Nth entry from the
    right; everything to its left was written by the client and is ignored. With 0 hops (the
    default) the header is not read at all: the socket address is the client. A header shorter
    than the configured hops, or an entry that is not an address, means the request did not
    come through our proxies as configured, so the socket address is used."""
    hops = settings.TRUSTED_PROXY_HOPS
    if hops > 0:
        entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(entries) >= hops and (ip := _clean_ip(entries[-hops])):
            return ip
    return _clean_ip(request.META.get("REMOTE_ADDR", "")) or "unknown"


def redirect_back(request, fallback: str):
    """Redirect to the form's `next` when it is a path on this site, else to `fallback`.

    Only a path: `redirect()` would treat a bare word as a URL name (NoReverseMatch, a 500), and
    another host would be an open redirect."""
    from django.shortcuts import redirect
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or fallback
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = fallback
    return redirect(target)
