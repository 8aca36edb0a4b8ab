"""Post text: finding @mentions, #tags and web addresses in a body, and rendering it as safe HTML.

Rendering works on the raw text: it splits the body into plain runs and mention/tag tokens,
escapes every plain run, and builds each link from a validated token, so no user text ever
reaches the page unescaped (and an escaped entity such as `&#39;` can never look like a tag).
"""

import re
from collections.abc import Mapping
from urllib.parse import quote

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# A mention is @ + a handle (core.handles.HANDLE_RE), not glued to a word (emails stay text).
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,30})(?![\w@])")
# A tag is # + letters/digits/underscores (any script), not glued to a word or an `&`.
TAG_RE = re.compile(r"(?<![\w#&])#(\w{1,60})(?!\w)")
# A web address: http(s):// or www., up to whitespace or a quote/angle bracket. Trailing
# punctuation ("see https://x.example.") and an unbalanced ")" are trimmed off in _url_trim.
URL_RE = re.compile(r"(?<![\w@/])((?:https?://|www\.)[^\s<>\"']+)", re.IGNORECASE)
# URL first: the "#" and "@" inside an address are part of it, not a tag or a mention.
TOKEN_RE = re.compile(f"{URL_RE.pattern}|{MENTION_RE.pattern}|{TAG_RE.pattern}", re.IGNORECASE)
URL_REL = "nofollow ugc noopener"
URL_SHOWN = 48  # characters of an address shown before "…"

MAX_MENTIONS = 20
MAX_TAGS = 30


def mentions_find(body: str) -> list[str]:
    """The handles mentioned, in order of first appearance, each once (compared case-blind)."""
    seen: dict[str, str] = {}
    for match in MENTION_RE.finditer(_without_urls(body)):
        seen.setdefault(match.group(1).lower(), match.group(1))
    return list(seen.values())[:MAX_MENTIONS]


def tags_find(body: str) -> list[str]:
    """The tags, lower-case and without '#', in order, each once. Pure digits (`#1`) aren't tags."""
    seen: dict[str, None] = {}
    for match in TAG_RE.finditer(_without_urls(body)):
        tag = match.group(1).lower()
        if not tag.isdigit():
            seen.setdefault(tag, None)
    return list(seen)[:MAX_TAGS]


def urls_find(body: str) -> list[str]:
    """The web addresses in a body, in order, each once, as links would point to them."""
    seen: dict[str, None] = {}
    for match in URL_RE.finditer(body or ""):
        url, _rest = _url_trim(match.group(1))
        seen.setdefault(_url_href(url), None)
    return list(seen)


def _without_urls(body: str) -> str:
    return URL_RE.sub(" ", body or "")


def _url_trim(url: str) -> tuple[str, str]:
    """Split trailing punctuation (and a ")" with no "(" in the address) off an address."""
    rest = ""
    while url and (url[-1] in ".,;:!?'\"" or (url[-1] == ")" and url.count("(") < url.count(")"))):
        rest = url[-1] + rest
        url = url[:-1]
    return url, rest


def _url_href(url: str) -> str:
    return url if url.lower().startswith(("http://", "https://")) else "https://" + url


def _url_link(url: str) -> str:
    shown = re.sub(r"^https?://", "", url, flags=re.IGNORECASE)
    if len(shown) > URL_SHOWN:
        shown = shown[: URL_SHOWN - 1] + "…"
    return (
        f'<a class="post-link" href="{escape(_url_href(url))}" rel="{URL_REL}">{escape(shown)}</a>'
    )


def body_render(body: str, *, mentions: Mapping[str, str] | None = None) -> SafeString:
    """The body as HTML: escaped text, `@handle` linked to `/@handle` when it resolved (the keys of
    `mentions` are lower-case handles, values the canonical spelling), `#tag` linked to search,
    web addresses linked with rel="nofollow ugc noopener", line breaks kept."""
    mentions = mentions or {}
    parts: list[str] = []
    position = 0
    text = body or ""
    for match in TOKEN_RE.finditer(text):
        parts.append(escape(text[position : match.start()]))
        url, handle, tag = match.group(1), match.group(2), match.group(3)
        if url is not None:
            url, rest = _url_trim(url)
            parts.append(_url_link(url) + escape(rest) if url else escape(rest))
        elif handle is not None and handle.lower() in mentions:
            canonical = mentions[handle.lower()]
            parts.append(f'<a class="mention" href="/@{escape(canonical)}">@{escape(handle)}</a>')
        elif tag is not None and not tag.isdigit():
            href = "/search?q=" + quote("#" + tag.lower(), safe="")
            parts.append(f'<a class="hashtag" href="{escape(href)}">#{escape(tag)}</a>')
        else:
            parts.append(escape(match.group(0)))
        position = match.end()
    parts.append(escape(text[position:]))
    html = "".join(parts).replace("\r\n", "\n").replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - every run above was escaped
