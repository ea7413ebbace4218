"""Where a webhook may be sent (server-side request forgery): never into the server's own networks.

A subscription names a URL; the server, not the administrator's browser, connects to it. Without a check, an agency
administrator could make the server knock on its loopback, its cloud's metadata service or the intranet behind it,
and read from the delivery log which ports answer. So a destination must resolve to **public** addresses only —
not loopback, private (RFC 1918), shared (100.64/10, which holds Alibaba Cloud's metadata 100.100.100.200),
link-local (169.254/16, the metadata service of most clouds), unique-local (fc00::/7), multicast, reserved or
unspecified, also when written as an IPv4-mapped IPv6 address or in decimal, hex or octal (those are resolved like
any name). Checked when the subscription is made **and** when each delivery is sent, after resolving the name
again (a name can change its address), and the connection goes to the address that was checked (no second lookup).

An OA system that really is on the internal network is named in ``GONGKAI_WEBHOOK_ALLOW_HOSTS`` (host names or
addresses, comma-separated): those hosts are not checked.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from urllib.parse import urlsplit

import httpx

from app.domain.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class DestinationRefused(httpx.TransportError):
    """Raised at send time for a destination that is not (or no longer) public."""


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _allowed(host: str, allow_hosts: Collection[str]) -> bool:
    return host.lower().rstrip(".") in {h.strip().lower().rstrip(".") for h in allow_hosts}


def public_address(host: str, port: int, allow_hosts: Collection[str]) -> IPAddress | None:
    """The address to connect to for ``host``: None when the host is allow-listed (connect as usual); raises
    ``LookupError`` when it does not resolve, ``PermissionError`` when any of its addresses is not public."""
    if _allowed(host, allow_hosts):
        return None
    addresses = _resolve(host, port)
    if not addresses:
        raise LookupError(host)
    if not all(is_public(a) for a in addresses):
        raise PermissionError(host)
    return addresses[0]


def check_url(url: str, allow_hosts: Collection[str]) -> None:
    """At subscription time: refuse a URL whose host is not public (422 ``webhook_url_refused``)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    try:
        public_address(host, port, allow_hosts)
    except LookupError:
        raise InvalidInput("webhook_url_unresolvable", f"无法解析地址「{host}」，请检查域名。") from None
    except PermissionError:
        raise InvalidInput(
            "webhook_url_refused",
            f"不能向本机、内网或云平台元数据地址（「{host}」）发送事件；内网中的办公系统须由运维人员列入 "
            "GONGKAI_WEBHOOK_ALLOW_HOSTS。",
        ) from None


class PinnedTransport(httpx.BaseTransport):
    """Checks every request's host at send time and connects to the address it checked: the URL's host is replaced
    by that address, while the ``Host`` header and TLS (SNI and certificate) keep the name."""

    def __init__(self, allow_hosts: Collection[str], inner: httpx.BaseTransport | None = None) -> None:
        self.allow_hosts = tuple(allow_hosts)
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        try:
            address = public_address(
                host, request.url.port or (443 if request.url.scheme == "https" else 80), self.allow_hosts
            )
        except (LookupError, PermissionError):
            raise DestinationRefused("destination refused", request=request) from None
        if address is not None:
            request.url = request.url.copy_with(host=str(address))
            request.extensions = {**request.extensions, "sni_hostname": host}
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
