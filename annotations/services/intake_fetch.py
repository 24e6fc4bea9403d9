"""Server-side fetching of article URLs, off unless ARTICLE_FETCH_ENABLED.

No SSRF: every hop's host is resolved here and refused unless each address it
resolves to is global (not private, loopback, link-local, reserved, shared or
multicast); the connection then goes to the checked address, so a second DNS
answer cannot swap it. Redirects are followed by hand, few of them, each hop
checked the same way; the body is capped in size and the whole fetch in time.
ARTICLE_FETCH_ALLOW_HOSTS names `host:port` pairs exempt from the address rule
(the tests' local server), never a default.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import time
from urllib.parse import urljoin, urlsplit

from django.conf import settings

REDIRECTS = {301, 302, 303, 307, 308}


class FetchRefused(Exception):
    """The URL was not fetched; the message says why, in plain words."""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def address_allowed(address: str) -> bool:
    """A global unicast address (an IPv4-mapped IPv6 address judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_checked(host: str, port: int) -> str:
    """The address to connect to; FetchRefused if any answer is not global."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(f"The host {host!r} cannot be resolved ({exc}).") from None
    addresses = [answer[4][0] for answer in answers]
    if not addresses:
        raise FetchRefused(f"The host {host!r} has no address.")
    allowed = {entry.lower() for entry in settings.ARTICLE_FETCH_ALLOW_HOSTS}
    if f"{host.lower()}:{port}" not in allowed:
        for address in addresses:
            if not address_allowed(address):
                raise FetchRefused(
                    f"The host {host!r} resolves to {address}, a private, loopback, "
                    "link-local or reserved address: refused."
                )
    return addresses[0]


def _target(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused("Only http and https URLs can be fetched.")
    if not parts.hostname:
        raise FetchRefused("The URL has no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused("The URL's port is not a number.") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path


def _read_capped(response, deadline: float) -> bytes:
    limit = settings.ARTICLE_FETCH_MAX_BYTES
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FetchRefused(f"The page is larger than {limit} bytes.")
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise FetchRefused("The page took too long to download.")
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise FetchRefused(f"The page is larger than {limit} bytes.")
        chunks.append(chunk)


def url_fetch(url: str) -> tuple[str, bytes]:
    """(final URL, body) of a page; FetchRefused when off, unsafe or failing."""
    if not settings.ARTICLE_FETCH_ENABLED:
        raise FetchRefused(
            "Fetching URLs is off on this server (ARTICLE_FETCH_ENABLED=false); "
            "upload the saved pages instead."
        )
    timeout = settings.ARTICLE_FETCH_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(settings.ARTICLE_FETCH_MAX_REDIRECTS + 1):
        scheme, host, port, path = _target(current)
        address = resolve_checked(host, port)
        connection_class = (
            _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        )
        connection = connection_class(host, port, address, timeout)
        try:
            connection.request(
                "GET",
                path,
                headers={
                    "User-Agent": "source-credibility-workbench/1.0",
                    "Accept": "text/html,application/xhtml+xml",
                },
            )
            response = connection.getresponse()
            if response.status in REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchRefused("A redirect without a Location header.")
                current = urljoin(current, location)
                continue
            if response.status != 200:
                raise FetchRefused(f"The server answered HTTP {response.status}.")
            return current, _read_capped(response, deadline)
        except (OSError, http.client.HTTPException) as exc:
            raise FetchRefused(f"The page could not be fetched ({exc}).") from None
        finally:
            connection.close()
    raise FetchRefused(
        f"More than {settings.ARTICLE_FETCH_MAX_REDIRECTS} redirects: refused."
    )
