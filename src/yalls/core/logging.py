"""JSON log lines with the request id and hashed member, and personal data scrubbed."""

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
    (re.compile(r"(?<![\w.])\+?\d[\d ()./-]{7,}\d(?![\w.])"), "[phone]"),
]


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
