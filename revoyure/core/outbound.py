"""Requests the platform makes to addresses its users chose (watched feeds, webhooks).

Such an address must not let a user reach the platform's own network (server-side request forgery): the
host is resolved and every address it resolves to must be public, unless the installation allows private
addresses (`REVOYURE_OUTBOUND_ALLOW_PRIVATE`, for an intranet; the tests' local servers). The client is
`httpx` with explicit timeouts, no redirects to follow blindly, and a cap on the bytes read."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings
from django.utils.translation import gettext as _


class OutboundError(Exception):
    """A request that was refused or failed; the message is for the user (translated)."""


def check_url(url: str, *, schemes: tuple[str, ...] = ("https",)) -> str:
    """Refuse an address with another scheme, no host, or a host that resolves to a non-public address.
    Returns the host."""
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        raise OutboundError(
            _("The address must start with %(schemes)s.")
            % {"schemes": _(" or ").join(f"{s}://" for s in schemes)}
        )
    host = parts.hostname
    if not host:
        raise OutboundError(_("The address has no host name."))
    if getattr(settings, "OUTBOUND_ALLOW_PRIVATE", False):
        return host
    public_addresses(host, parts.port or (443 if parts.scheme == "https" else 80))
    return host


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, all public, or OutboundError."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise OutboundError(_("The host name %(host)s cannot be resolved.") % {"host": host}) from exc
    addresses: list[str] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global:
            raise OutboundError(
                _("The address %(host)s points to a private or local network, which is not allowed.")
                % {"host": host}
            )
        if str(address) not in addresses:
            addresses.append(str(address))
    return addresses


class _PublicOnlyBackend(httpcore.SyncBackend):
    """Connects only to the public addresses it resolved itself. `check_url` alone is not enough: the
    host is resolved again when connecting, and a name can answer a public address to the check and a
    private one a moment later (DNS rebinding). Here the address checked is the address connected to; TLS
    still verifies the certificate against the host name (httpcore passes it as server_hostname)."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if getattr(settings, "OUTBOUND_ALLOW_PRIVATE", False):
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        error: Exception = OutboundError(_("The host name %(host)s cannot be resolved.") % {"host": host})
        for address in public_addresses(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc  # try the host's next address, as socket.create_connection does
        raise error


def _transport(verify: bool | str) -> httpx.HTTPTransport:
    # A CA bundle path as an SSL context (httpx deprecates `verify=<path>`).
    context = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
    transport = httpx.HTTPTransport(verify=context)
    # httpx has no parameter for the network backend of its connection pool (httpcore has one).
    transport._pool._network_backend = _PublicOnlyBackend()
    return transport


@dataclass(frozen=True)
class Response:
    status: int
    headers: httpx.Headers
    body: bytes


def fetch(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    timeout: float = 10.0,
    max_bytes: int = 5 * 1024 * 1024,
    schemes: tuple[str, ...] = ("https",),
    verify: bool | str = True,
) -> Response:
    """One request, streamed so that no more than `max_bytes` of the body are ever read; a longer body is
    an error. `timeout` bounds connecting and each read; the whole exchange is bounded by the deadline
    below (a server that trickles bytes cannot hold a worker for ever)."""
    check_url(url, schemes=schemes)
    ca_bundle = getattr(settings, "OUTBOUND_CA_BUNDLE", "")
    if verify is True and ca_bundle:
        verify = ca_bundle
    limit = httpx.Timeout(timeout)
    try:
        with (
            httpx.Client(timeout=limit, follow_redirects=False, transport=_transport(verify)) as client,
            client.stream(method, url, headers=headers, content=content) as response,
        ):
            chunks: list[bytes] = []
            size = 0
            deadline = _Deadline(timeout * 3)
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise OutboundError(
                        _("The answer is larger than %(size)d kB.") % {"size": max_bytes // 1024}
                    )
                chunks.append(chunk)
                deadline.check()
            return Response(response.status_code, response.headers, b"".join(chunks))
    except httpx.TimeoutException as exc:
        raise OutboundError(_("The server did not answer in time.")) from exc
    except httpx.HTTPError as exc:
        raise OutboundError(_("The server could not be reached: %(error)s") % {"error": exc}) from exc


class _Deadline:
    def __init__(self, seconds: float) -> None:
        import time

        self._time = time.monotonic
        self._end = time.monotonic() + seconds

    def check(self) -> None:
        if self._time() > self._end:
            raise OutboundError(_("The server did not answer in time."))
