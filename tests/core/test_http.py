"""The client address: X-Forwarded-For counts only through the configured trusted proxy hops."""

import json

import pytest
from django.test import RequestFactory, override_settings

from tests.factories import MemberFactory
from yalls.core.http import client_ip

# As in production, behind a TLS-terminating proxy (the old rule trusted the header whenever set).
BEHIND_TLS_PROXY = ("HTTP_X_FORWARDED_PROTO", "https")


def _request(remote="198.51.100.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXY_HOPS=0, SECURE_PROXY_SSL_HEADER=BEHIND_TLS_PROXY)
def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(_request(forwarded="1.2.3.4")) == "198.51.100.9"


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_one_hop_takes_the_address_our_proxy_saw_not_what_the_client_wrote():
    assert client_ip(_request(forwarded="1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_ip(_request(forwarded="203.0.113.7")) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_HOPS=2)
def test_two_hops_skip_the_inner_proxy():
    request = _request(forwarded="6.6.6.6, 203.0.113.7, 10.0.0.2")
    assert client_ip(request) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_HOPS=2)
@pytest.mark.parametrize("forwarded", ["", "203.0.113.7", "1.2.3.4, not-an-ip, 10.0.0.2"])
def test_a_short_or_garbled_header_falls_back_to_the_socket(forwarded):
    assert client_ip(_request(forwarded=forwarded)) == "198.51.100.9"


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_ports_and_brackets_are_dropped():
    assert client_ip(_request(forwarded="[2001:db8::1]:443")) == "2001:db8::1"
    assert client_ip(_request(forwarded="203.0.113.7:51234")) == "203.0.113.7"
    assert client_ip(_request(remote="")) == "unknown"


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_HOPS=0, SECURE_PROXY_SSL_HEADER=BEHIND_TLS_PROXY)
def test_a_forged_header_does_not_escape_the_per_ip_signin_lockout(client):
    """Wrong passwords against different accounts from one socket, each with a new forged
    X-Forwarded-For: the IP counter still grows, so the attempts are refused."""
    codes = []
    for n in range(6):
        member = MemberFactory()
        response = client.post(
            "/api/v1/auth/token",
            data=json.dumps({"email": member.email, "password": "wrong-password-1"}),
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}",
        )
        codes.append(response.json()["code"])
    assert codes[:3] == ["auth.invalid_credentials"] * 3
    assert codes[3:] == ["auth.too_many_attempts"] * 3
