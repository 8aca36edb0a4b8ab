"""JSON log lines with the request id and hashed member, and personal data scrubbed."""

import ipaddress
import json
import logging
import re
from datetime import UTC, datetime

from yalls.core.request_context import member_hash_var, request_id_var

_SCRUBBERS = [
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), "[jwt]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [token]"),
    (
        re.compile(
            r"(?i)\b(password|passwd|secret|token|refresh_token|access_token|api_key|code)(\"?\s*[:=]\s*\"?)([^\s\"&,]+)"
        ),
        r"\1\2[redacted]",
    ),
    # IP addresses before phone numbers: "203.0.113.9" is digits and dots too. The candidates are
    # confirmed by `ipaddress`, so a time ("23:58:26") or a version is left alone.
    (
        re.compile(
            r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})"
            r"(?:%\w+)?(?![\w:])"
            r"|(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)"
        ),
        lambda match: "[ip]" if _is_ip(match.group()) else match.group(),
    ),
    # A phone number: digits with spaces, brackets, dots or dashes, but not an ISO date; ten digits
    # at least (eight after a "+"), so durations and versions stay.
    (
        re.compile(r"(?<![\w.:])(?!\d{4}-\d\d-\d\d(?!\d))\+?\d[\d ().-]{7,}\d(?![\w.:])"),
        lambda match: "[phone]" if _is_phone(match.group()) else match.group(),
    ),
]


def _is_phone(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return digits >= (8 if text.startswith("+") else 10)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def scrub(text: str) -> str:
    for pattern, replacement in _SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.member = member_hash_var.get()
        return True


class JsonFormatter(logging.Formatter):
    _RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message",
        "asctime",
        "request_id",
        "member",
    }

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
            "member": getattr(record, "member", None) or member_hash_var.get(),
        }
        for key, value in vars(record).items():
            if key not in self._RESERVED and not key.startswith("_"):
                entry[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exc"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)
