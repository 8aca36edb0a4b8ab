"""allauth hooks: sign-up goes through member_create, and failed sign-ins through signin_guard."""

from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied

from yalls.accounts import services, signin_guard
from yalls.core.errors import DomainError, TooManyRequests
from yalls.core.http import client_ip

# The session remembers whether this sign-in was the member's first, so the home page can say
# "Welcome" rather than "Welcome back" (Django overwrites last_login as it signs them in).
FIRST_SIGN_IN_SESSION_KEY = "yalls_first_sign_in"


class AccountAdapter(DefaultAccountAdapter):
    def login(self, request, user):
        first = user.last_login is None
        super().login(request, user)
        request.session[FIRST_SIGN_IN_SESSION_KEY] = first

    def send_mail(self, template_prefix, email, context):
        # Without django.contrib.sites allauth names the site after the request's host
        # ("Hello from 127.0.0.1:8000!"); mail speaks as the product instead.
        site = SimpleNamespace(name="yalls", domain=settings.SITE_URL.split("://", 1)[-1])
        super().send_mail(template_prefix, email, {"current_site": site, **context})

    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        try:
            return services.member_create(
                email=data["email"],
                password=data.get("password1"),
                handle=data["handle"],
                display_name=data.get("display_name", ""),
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def get_client_ip(self, request) -> str:
        # allauth's rate limits and the session list read the address here: the same rule as ours.
        ip = client_ip(request)
        if ip == "unknown":
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_authenticate(self, request, **credentials):
        try:
            signin_guard.signin_check(email=credentials.get("email", ""), ip=client_ip(request))
        except TooManyRequests as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            signin_guard.signin_succeeded(email=credentials.get("email", ""), ip=client_ip(request))
        return user

    def authentication_failed(self, request, **credentials):
        signin_guard.signin_failed(email=credentials.get("email", ""), ip=client_ip(request))
