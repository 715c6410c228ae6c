"""Requests the platform makes to addresses its users chose (watched feeds, webhooks).

Such an address must not let a user reach the platform's own network (server-side request forgery): the
host is resolved and every address it resolves to must be public, unless the installation allows private
addresses (`REVOYURE_OUTBOUND_ALLOW_PRIVATE`, for an intranet; the tests' local servers). The client is
`httpx` with explicit timeouts, no redirects to follow blindly, and a cap on the bytes read."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

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
            % {"schemes": " or ".join(f"{s}://" for s in schemes)}
        )
    host = parts.hostname
    if not host:
        raise OutboundError(_("The address has no host name."))
    if getattr(settings, "OUTBOUND_ALLOW_PRIVATE", False):
        return host
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError) as exc:
        raise OutboundError(_("The host name %(host)s cannot be resolved.") % {"host": host}) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise OutboundError(
                _("The address %(host)s points to a private or local network, which is not allowed.")
                % {"host": host}
            )
    return host


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
            httpx.Client(timeout=limit, follow_redirects=False, verify=verify) as client,
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
