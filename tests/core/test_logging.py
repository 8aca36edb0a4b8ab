import json
import logging

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
