"""Guarding outbound calls to addresses people type in (feeds, API hosts, webhooks).

Someone who may edit a stream must not be able to make riskdesk fetch its own
network (a cloud metadata service, an admin port) and show them the answer.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class PrivateAddress(ValueError):
    pass


def ensure_public_address(url: str) -> None:
    """Raise PrivateAddress if `url`'s host resolves to a non-public address.

    Off when RISKDESK_ALLOW_PRIVATE_ADDRESSES is on (development, tests, a
    network riskdesk is meant to reach inside).
    """
    if settings.RISKDESK_ALLOW_PRIVATE_ADDRESSES:
        return
    host = urlsplit(url).hostname
    if not host:
        raise PrivateAddress(f"{url!r} has no host")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise PrivateAddress(f"{host} does not resolve ({exc.strerror})") from exc
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise PrivateAddress(f"{host} resolves to {ip}, which is not a public address")
