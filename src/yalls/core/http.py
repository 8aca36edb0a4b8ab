"""Small request helpers shared by web views and the API."""

from django.conf import settings


def client_ip(request) -> str:
    if settings.SECURE_PROXY_SSL_HEADER:  # behind our proxy: trust its X-Forwarded-For
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


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
