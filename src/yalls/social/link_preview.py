"""Reading a page's preview (Open Graph title, description and site name, else <title> and the
description meta tag) out of HTML fetched by the safe fetcher. Pure: text in, fields out."""

import html.parser
from dataclasses import dataclass

MAX_TITLE = 200
MAX_DESCRIPTION = 400
MAX_SITE = 100


@dataclass(frozen=True)
class PagePreview:
    title: str
    description: str
    site_name: str


class _MetaParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])
        elif tag == "title" and not self.title:
            self._in_title = True
        elif tag == "body":
            self._done = True  # previews live in <head>; stop before the page body

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def _clean(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def page_preview(html_text: str) -> PagePreview | None:
    """The preview fields of a page, or None when it names nothing worth a card."""
    parser = _MetaParser()
    try:
        parser.feed(html_text[:300_000])
        parser.close()
    except (AssertionError, ValueError):  # the stdlib parser gives up on some broken markup
        pass
    meta = parser.meta
    title = _clean(meta.get("og:title") or meta.get("twitter:title") or parser.title, MAX_TITLE)
    if not title:
        return None
    description = _clean(
        meta.get("og:description") or meta.get("twitter:description") or meta.get("description"),
        MAX_DESCRIPTION,
    )
    return PagePreview(title, description, _clean(meta.get("og:site_name", ""), MAX_SITE))
