"""Which URLs may receive webhooks: refusing server-side request forgery (SSRF).

A webhook makes this server send requests to a URL a caller chose, so the URL must not lead
into the server's own network: every address its host resolves to must be a public one
(not private, loopback, link-local such as the 169.254.169.254 cloud metadata service,
shared, multicast or reserved). Only https is accepted. In test mode (and only there) the
loopback addresses are allowed too, over http or https, so tests can run a receiver.

The check runs when the task is submitted and again before every try, so a name that later
resolves to a private address is refused then.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from music_gen.errors import InvalidParameterError

#: Longest webhook URL accepted.
MAX_URL_CHARS = 2048


def check_webhook_url(url: str, *, allow_loopback: bool) -> str:
    """Return ``url`` if webhooks may be sent to it.

    Args:
        url: The URL a caller gave.
        allow_loopback: Accept loopback hosts (over http too); test mode only.

    Raises:
        InvalidParameterError: The URL is malformed, not https, or resolves to an address
            that is not public (the message says which).
    """
    details = {"field": "webhook", "value": url[:200]}
    if len(url) > MAX_URL_CHARS:
        raise InvalidParameterError(
            f"webhook URL is longer than {MAX_URL_CHARS} characters", details=details
        )
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InvalidParameterError(f"webhook is not a valid URL: {exc}", details=details) from exc
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidParameterError("webhook must be an absolute https:// URL", details=details)
    addresses = _resolve(host, port, details)
    loopback = all(address.is_loopback for address in addresses)
    if parts.scheme == "http" and not (allow_loopback and loopback):
        raise InvalidParameterError(
            "webhook must use https (plain http is accepted only for loopback receivers "
            "in test mode)",
            details=details,
        )
    for address in addresses:
        if address.is_global or (allow_loopback and address.is_loopback):
            continue
        raise InvalidParameterError(
            f"webhook host {host!r} resolves to {address}, which is not a public address "
            "(private, loopback, link-local and metadata addresses are refused)",
            details={**details, "address": str(address)},
        )
    return url


def _resolve(
    host: str, port: int, details: dict[str, str]
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [_unmapped(literal)]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise InvalidParameterError(
            f"webhook host {host!r} could not be resolved", details=details
        ) from exc
    # Scoped IPv6 addresses ("fe80::1%eth0") carry their interface after a "%".
    addresses = [_unmapped(ipaddress.ip_address(str(i[4][0]).split("%", 1)[0])) for i in infos]
    if not addresses:
        raise InvalidParameterError(f"webhook host {host!r} has no address", details=details)
    return addresses


def _unmapped(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    # ::ffff:10.0.0.1 reaches 10.0.0.1: judge the IPv4 address.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
