import json
import logging

import pytest

from yalls.core.logging import JsonFormatter, scrub
from yalls.core.request_context import member_hash_var, request_id_var


def test_scrub_removes_personal_data():
    text = scrub(
        "mail maya@yalls.local phone +1 (303) 555-0199 token=abc123 Bearer eyJhbGciOi.eyJzdWIi.sig"
    )
    assert "maya@yalls.local" not in text
    assert "555-0199" not in text
    assert "abc123" not in text
    assert "eyJhbGciOi" not in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login from 203.0.113.9 refused", "login from [ip] refused"),
        ("client 10.0.0.1:8000 closed", "client [ip]:8000 closed"),
        ("peer 2001:db8::8a2e:370:7334 said hi", "peer [ip] said hi"),
        ("loopback ::1 and fe80::1%eth0.", "loopback [ip] and [ip]."),
        ("mapped ::ffff:192.0.2.128 ok", "mapped [ip] ok"),
        ("call 303.555.0199 now", "call [phone] now"),
        ("call +44 20 7946 0958", "call [phone]"),
        # Not personal data: left as they are.
        ("due 2026-11-01 at 23:58:26", "due 2026-11-01 at 23:58:26"),
        ("took 1234.5678 ms", "took 1234.5678 ms"),
        ("release 999.1.2.3.4", "release 999.1.2.3.4"),
        ("post 5f0c2a1e-9d3b-4c1a-8f2e-0a1b2c3d4e5f", "post 5f0c2a1e-9d3b-4c1a-8f2e-0a1b2c3d4e5f"),
    ],
)
def test_ip_addresses_are_ips_and_dates_are_not_phones(text, expected):
    assert scrub(text) == expected


def test_json_lines_carry_request_id_and_hashed_member():
    token_r, token_m = request_id_var.set("req-1"), member_hash_var.set("hash-1")
    try:
        record = logging.LogRecord(
            "yalls", logging.INFO, __file__, 1, "signed in %s", ("liam@yalls.local",), None
        )
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token_r)
        member_hash_var.reset(token_m)
    assert line["request_id"] == "req-1"
    assert line["member"] == "hash-1"
    assert line["msg"] == "signed in [email]"
