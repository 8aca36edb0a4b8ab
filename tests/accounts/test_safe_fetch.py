"""The safe fetcher: address vetting as a unit, then redirects, size cap, timeout, pinning and TLS
against a local HTTPS server with a throwaway CA (trustme). Nothing here touches the internet."""

import contextlib
import http.server
import ssl
import threading
import time

import pytest
import trustme

from yalls.accounts.safe_fetch import FetchError, FetchRefused, safe_fetch, vet_address, vet_url

HOST = (
    "site.test"  # not resolvable for real: a successful fetch proves we connected to the pinned IP
)


class LocalHTTPS:
    """A tiny HTTPS server on 127.0.0.1 serving `routes`: path → (status, headers, body)."""

    def __init__(self):
        self.ca = trustme.CA()
        cert = self.ca.issue_cert(HOST, "127.0.0.1")
        self.routes: dict[str, tuple[int, dict, bytes]] = {}
        self.seen: list[tuple[str, str]] = []  # (path, Host header)
        self.delay = 0.0
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(server_ctx)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.seen.append((self.path, self.headers.get("Host", "")))
                if outer.delay:
                    time.sleep(outer.delay)
                status, headers, body = outer.routes.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers and not headers.get("_no_length"):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client hung up (size cap): expected
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = server_ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"https://{HOST}:{self.port}{path}"

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        self.ca.configure_trust(ctx)
        return ctx

    def fetch(self, path: str, **kw):
        kw.setdefault("resolver", lambda host, port: ["127.0.0.1"])
        kw.setdefault("ssl_context", self.client_context())
        kw.setdefault("testing_allow_loopback", True)
        return safe_fetch(self.url(path) if path.startswith("/") else path, **kw)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = LocalHTTPS()
    yield srv
    srv.close()


# --- address vetting (unit) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "127.1.2.3", "10.0.0.5", "172.16.0.1", "192.168.1.1", "169.254.169.254",
        "0.0.0.0",  # noqa: S104 - refused here, never bound
        "224.0.0.1", "255.255.255.255", "100.64.0.1", "198.18.0.1", "240.0.0.1",
        "::1", "::", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "ff02::1",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1",
        "2002:7f00:1::", "::127.0.0.1", "2001:db8::1",
    ],
)  # fmt: skip
def test_non_public_addresses_are_refused(address):
    with pytest.raises(FetchRefused):
        vet_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert str(vet_address(address)) == address


def test_loopback_only_with_the_explicit_test_switch():
    assert str(vet_address("127.0.0.1", testing_allow_loopback=True)) == "127.0.0.1"
    assert str(vet_address("::1", testing_allow_loopback=True)) == "::1"
    with pytest.raises(FetchRefused):  # the switch opens loopback, nothing else
        vet_address("10.0.0.1", testing_allow_loopback=True)
    with pytest.raises(FetchRefused):
        vet_address("not-an-ip")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/", "ftp://example.com/", "https://user:pw@example.com/",
        "https://example.com:8443/", "https:///nohost", "https://[::1", "javascript:alert(1)",
    ],
)  # fmt: skip
def test_urls_that_are_refused_before_any_lookup(url):
    with pytest.raises(FetchRefused):
        vet_url(url)


def test_a_name_resolving_to_a_private_address_is_refused_without_connecting():
    calls = []

    def resolver(host, port):
        calls.append((host, port))
        return ["93.184.216.34", "10.1.2.3"]  # one bad answer spoils the lot

    with pytest.raises(FetchRefused):
        safe_fetch("https://innocent.example/", resolver=resolver)
    assert calls == [("innocent.example", 443)]
    with pytest.raises(FetchRefused):
        safe_fetch("https://metadata.example/", resolver=lambda h, p: ["169.254.169.254"])
    with pytest.raises(FetchRefused):  # IP literals are vetted too
        safe_fetch("https://127.0.0.1/")
    with pytest.raises(FetchRefused):
        safe_fetch("https://[::ffff:192.168.0.1]/")


def test_no_answer_is_an_error():
    with pytest.raises(FetchError):
        safe_fetch("https://nothing.example/", resolver=lambda h, p: [])


# --- against a local HTTPS server ---------------------------------------------------------------


def test_fetches_over_tls_to_the_pinned_ip_with_host_kept(server):
    server.routes["/me"] = (200, {"Content-Type": "text/html; charset=utf-8"}, b"<p>hi</p>")
    result = server.fetch("/me")
    assert result.status == 200 and result.content_type == "text/html"
    assert result.text() == "<p>hi</p>" and result.charset == "utf-8"
    assert server.seen == [("/me", f"{HOST}:{server.port}")]


def test_loopback_is_refused_by_default_even_for_the_local_server(server):
    server.routes["/me"] = (200, {}, b"x")
    with pytest.raises(FetchRefused):
        server.fetch("/me", testing_allow_loopback=False)
    assert server.seen == []


def test_untrusted_certificate_is_an_error(server):
    server.routes["/me"] = (200, {}, b"x")
    with pytest.raises(FetchError, match="certificate"):
        server.fetch("/me", ssl_context=ssl.create_default_context())


def test_redirects_are_followed_up_to_three(server):
    server.routes["/page"] = (200, {"Content-Type": "text/html"}, b"end")
    for n in range(1, 5):
        server.routes[f"/r{n}"] = (302, {"Location": f"/r{n + 1}" if n < 4 else "/page"}, b"")
    assert server.fetch("/r2").url == server.url("/page")  # 3 hops: fine
    with pytest.raises(FetchRefused, match="redirects"):
        server.fetch("/r1")  # 4 hops: refused


def test_each_redirect_hop_is_vetted_again(server):
    server.routes["/to-http"] = (301, {"Location": "http://site.test/"}, b"")
    server.routes["/to-private"] = (302, {"Location": "https://internal.example/"}, b"")
    server.routes["/to-port"] = (302, {"Location": "https://1.1.1.1:8443/"}, b"")
    with pytest.raises(FetchRefused, match="https"):
        server.fetch("/to-http")

    def resolver(host, port):
        return ["127.0.0.1"] if host == HOST else ["192.168.0.10"]

    with pytest.raises(FetchRefused, match="public"):
        server.fetch("/to-private", resolver=resolver)
    with pytest.raises(FetchRefused):
        server.fetch("/to-port", testing_allow_loopback=False)


def test_size_cap_with_and_without_content_length(server):
    big = b"a" * 1_000_001
    server.routes["/big"] = (200, {"Content-Type": "text/html"}, big)
    server.routes["/big-unsized"] = (
        200, {"Content-Type": "text/html", "_no_length": "1", "Connection": "close"}, big,
    )  # fmt: skip
    server.routes["/ok"] = (200, {"Content-Type": "text/html"}, b"a" * 1_000_000)
    with pytest.raises(FetchRefused, match="1 MB"):
        server.fetch("/big")
    with pytest.raises(FetchRefused, match="1 MB"):
        server.fetch("/big-unsized")
    assert len(server.fetch("/ok").body) == 1_000_000


def test_slow_server_times_out(server):
    server.routes["/slow"] = (200, {}, b"late")
    server.delay = 1.0
    started = time.monotonic()
    with pytest.raises(FetchError, match="too long"):
        server.fetch("/slow", timeout=0.3)
    assert time.monotonic() - started < 1.0
