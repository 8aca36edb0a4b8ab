"""Reading a linked page for a rel="me" link back to the member's yalls profile."""

from __future__ import annotations

import html.parser
import logging
from urllib.parse import urljoin, urlsplit

from yalls.accounts.linked_accounts.providers import profile_url
from yalls.accounts.models import User

log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """For comparing a back-link with the profile URL: scheme-insensitive (http or https), host
    lower-cased, default port, trailing slash, query and fragment dropped; the handle part is
    case-insensitive like handles are."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower().rstrip(".")
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    return f"{host}{parts.path.rstrip('/').lower()}"


class _RelMeParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("a", "link"):
            return
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        if "me" in rel and values.get("href"):
            self.hrefs.append(values["href"].strip())

    handle_startendtag = handle_starttag


def rel_me_links(page_html: str, *, base_url: str = "") -> list[str]:
    """The href of every <a> and <link> whose rel includes `me`, resolved against the page URL."""
    parser = _RelMeParser()
    try:
        parser.feed(page_html)
        parser.close()
    except Exception:
        log.info("rel=me parse failed", exc_info=True)
    return [urljoin(base_url, href) if base_url else href for href in parser.hrefs]


def page_links_back(page_html: str, *, page_url: str, member: User) -> bool:
    wanted = normalise_url(profile_url(member))
    return any(normalise_url(href) == wanted for href in rel_me_links(page_html, base_url=page_url))
