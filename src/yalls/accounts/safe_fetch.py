"""A fetcher for URLs members give us (linked-account verification): it must never become a way
to reach our own network (SSRF).

Rules: HTTPS only, port 443, no credentials in the URL; the host is resolved once and EVERY
resolved address must be public (no private, loopback, link-local, multicast, reserved,
unspecified, shared or IPv4-mapped/embedded private addresses); the connection goes to the vetted
IP itself while TLS SNI, certificate checking and the Host header keep the hostname, so a second
DNS answer can't swap in an internal address (DNS rebinding). At most 3 redirects, each hop
vetted again; at most 1 MB of body; 5 s socket timeout and an overall deadline.

`testing_allow_loopback=True` lets a test talk to its own HTTPS server on 127.0.0.1 / ::1 (any
port). Nothing else may pass it; production code never does.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 3
MAX_BYTES = 1_000_000
TIMEOUT_SECONDS = 5.0
USER_AGENT = "yalls-link-checker/1 (+rel=me verification)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

Resolver = Callable[[str, int], list[str]]

# Ranges ipaddress does not flag as non-global on every Python we run, listed explicitly.
_EXTRA_BLOCKED = [
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT (shared address space)
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
    ipaddress.ip_network("64:ff9b::/96"),  # NAT64: checked via the embedded IPv4 below as well
]


class FetchError(Exception):
    """The page could not be fetched (network, TLS, HTTP). `reason` is fit to show a member."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class FetchRefused(FetchError):
    """The fetcher refused on principle: bad scheme, private address, too many redirects, too big."""


@dataclass(frozen=True)
class FetchResult:
    url: str  # the final URL after redirects
    status: int
    content_type: str
    body: bytes
    charset: str | None = None

    def text(self) -> str:
        return self.body.decode(self.charset or "utf-8", errors="replace")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)  # NAT64
    # (IPv4-compatible ::a.b.c.d addresses fall in ::/8, which is_reserved already refuses.)
    return None


def vet_address(address: str, *, testing_allow_loopback: bool = False):
    """The parsed address when it is safe to connect to, else FetchRefused."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError as exc:
        raise FetchRefused(f"{address!r} is not an IP address.") from exc
    candidates = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            candidates.append(embedded)
    for candidate in candidates:
        if testing_allow_loopback and candidate.is_loopback:
            continue
        if (
            not candidate.is_global
            or candidate.is_private
            or candidate.is_loopback
            or candidate.is_link_local
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
            or any(candidate in net for net in _EXTRA_BLOCKED if net.version == candidate.version)
        ):
            raise FetchRefused("That address is not on the public internet.")
    return ip


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError("The host name does not resolve.") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def vet_url(url: str, *, testing_allow_loopback: bool = False) -> tuple[str, int, str]:
    """(host, port, path-with-query) of an acceptable URL, else FetchRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused("That is not a valid URL.") from exc
    if parts.scheme.lower() != "https":
        raise FetchRefused("Only https:// addresses are checked.")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("Addresses with a user name or password are not fetched.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchRefused("That URL has no host.")
    port = port or 443
    if port != 443 and not testing_allow_loopback:
        raise FetchRefused("Only the standard https port (443) is checked.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return host, port, path


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed IP: SNI, certificate hostname check and Host header keep the name."""

    def __init__(self, host: str, port: int, *, ip: str, timeout: float, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._pinned_ip = ip

    def connect(self):
        sock = socket.create_connection((self._pinned_ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _one_request(
    url: str,
    *,
    resolver: Resolver,
    context: ssl.SSLContext,
    timeout: float,
    deadline: float,
    max_bytes: int,
    testing_allow_loopback: bool,
) -> tuple[int, dict[str, str], bytes]:
    host, port, path = vet_url(url, testing_allow_loopback=testing_allow_loopback)
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    addresses = [str(literal)] if literal is not None else resolver(host, port)
    if not addresses:
        raise FetchError("The host name does not resolve.")
    # Every answer must be public: a name that resolves to one public and one private address
    # is refused outright rather than raced.
    for address in addresses:
        vet_address(address, testing_allow_loopback=testing_allow_loopback)
    connection = _PinnedHTTPSConnection(
        host, port, ip=addresses[0], timeout=max(0.1, min(timeout, deadline - time.monotonic())),
        context=context,
    )  # fmt: skip
    try:
        connection.request(
            "GET", path, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5",
                                  "Accept-Encoding": "identity"},
        )  # fmt: skip
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        if response.status in REDIRECT_STATUSES:
            return response.status, headers, b""
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise FetchRefused("The page is larger than 1 MB.")
        chunks, size = [], 0
        while True:
            if time.monotonic() > deadline:
                raise FetchError("The page took too long to load.")
            chunk = response.read(64 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchRefused("The page is larger than 1 MB.")
            chunks.append(chunk)
        return response.status, headers, b"".join(chunks)
    except FetchError:
        raise
    except ssl.SSLError as exc:
        raise FetchError("The site's HTTPS certificate could not be verified.") from exc
    except TimeoutError as exc:
        raise FetchError("The site took too long to answer.") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError("The site could not be reached.") from exc
    finally:
        connection.close()


def safe_fetch(
    url: str,
    *,
    resolver: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
    max_redirects: int = MAX_REDIRECTS,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_SECONDS,
    testing_allow_loopback: bool = False,
) -> FetchResult:
    """GET a member-supplied https URL under the rules in this module's docstring."""
    resolver = resolver or system_resolver
    context = ssl_context or ssl.create_default_context()
    deadline = time.monotonic() + timeout * 2  # a budget for the whole chain, redirects included
    current = url
    for hop in range(max_redirects + 1):
        status, headers, body = _one_request(
            current, resolver=resolver, context=context, timeout=timeout, deadline=deadline,
            max_bytes=max_bytes, testing_allow_loopback=testing_allow_loopback,
        )  # fmt: skip
        if status in REDIRECT_STATUSES:
            location = headers.get("location")
            if not location:
                raise FetchError("The site redirected without saying where.")
            if hop == max_redirects:
                raise FetchRefused(f"More than {max_redirects} redirects.")
            current = urljoin(current, location)
            continue
        content_type, _, params = headers.get("content-type", "").partition(";")
        charset = None
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"').lower()
        try:
            "".encode(charset or "utf-8")
        except LookupError:
            charset = None
        return FetchResult(
            url=current, status=status, content_type=content_type.strip().lower(), body=body,
            charset=charset,
        )  # fmt: skip
    raise FetchRefused(
        f"More than {max_redirects} redirects."
    )  # pragma: no cover - loop exits above
