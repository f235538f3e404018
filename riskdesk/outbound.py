"""The one HTTP client riskdesk calls the outside world with.

Connectors, notification channels, link checks and revocations fetch addresses
that people type in (feeds, API hosts, webhooks). Someone who may edit one of
them must not be able to make riskdesk fetch its own network (a cloud metadata
service, an admin port) and show them the answer. So every outbound call goes
through `client()`, whose transport:

- refuses host names that are numbers in disguise (`2130706433`, `0x7f.1`,
  `017700000001`, `127.1`): a numeric host must be a canonical dotted quad;
- resolves the name once, when it opens the connection, refuses unless every
  address is public, and connects only to an address it has just checked
  (the TLS name check and SNI still use the host name): a name that resolves
  elsewhere between the check and the connection (DNS rebinding) cannot win;
- follows at most MAX_REDIRECTS redirects, each checked again the same way;
  a refused hop is never connected to, so no body of it exists to be kept,
  and the error only says "redirect to a non-public address refused";
- never uses a proxy from the environment, has explicit timeouts and stops
  reading a body past `max_bytes`.

`RISKDESK_OUTBOUND_ALLOW` lists the networks (`127.0.0.1/32`) and host names
that may be reached although they are not public: the local fake servers of
tests and development, a network riskdesk is meant to reach inside. Nothing
else switches the guard off; the numeric-form and redirect checks always run.

`allowed_hosts` (a request extension, `HOSTS`) narrows a request and its
redirects to given host names: a connector sending a credential uses it so a
redirect cannot carry the secret elsewhere.
"""

import contextlib
import ipaddress
import re
import socket
import typing
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

MAX_REDIRECTS = 5
MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
HOSTS = "riskdesk_allowed_hosts"  # request extension: the only host names it may reach

REDIRECT_REFUSED = "redirect to a non-public address refused"

# The last label of a host that URL parsers (and inet_aton) read as a number.
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundError(httpx.RequestError):
    """Raised by the guarded client; not a transport fault, so never retried."""

    def __init__(self, message: str, *, request: httpx.Request | None = None):
        super().__init__(message, request=request)
        self.message = message


class Refused(OutboundError):
    """The address is not one riskdesk may call."""


class TooLarge(OutboundError):
    """The answer's body is larger than the client accepts."""


# --- Addresses ---------------------------------------------------------------------------


def _allowed_entries() -> tuple[list, set[str]]:
    networks, names = [], set()
    for entry in getattr(settings, "RISKDESK_OUTBOUND_ALLOW", []) or []:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            names.add(str(entry).strip().lower().rstrip("."))
    return networks, names


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether `ip` is a global unicast address, with no private address embedded in it."""
    if ip.version == 6:
        if ip.ipv4_mapped or ip.teredo:
            return False  # never needed to reach a public service; a classic bypass
        embedded = _embedded_v4(ip)
        if embedded is not None and not is_public(embedded):
            return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_host_form(host: str) -> str:
    """The host, lower-cased; Refused when it is a number that is not a canonical address."""
    host = (host or "").strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        raise Refused("no host")
    try:
        ipaddress.ip_address(host.split("%")[0])  # strict: dotted quads and IPv6 only
    except ValueError:
        if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]) or "%" in host:
            raise Refused(f"{host} is not a host name nor a canonical IP address") from None
    return host


def resolve(host: str, port: int) -> list[str]:
    """The addresses to connect to, all checked; Refused unless every one may be reached."""
    host = check_host_form(host)
    networks, names = _allowed_entries()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpx.ConnectError(f"{host} does not resolve") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise httpx.ConnectError(f"{host} does not resolve")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if host in names or any(ip in network for network in networks):
            if ip.version == 6 and (ip.ipv4_mapped or ip.teredo):
                raise Refused(f"{host} is not a public address")
            continue
        if not is_public(ip):
            raise Refused(f"{host} is not a public address")
    return addresses


def ensure_public_address(url: str) -> None:
    """Raise Refused now if `url` could not be called: early feedback in forms.

    Not a guard on its own (the name may resolve elsewhere later): the client
    checks again at every connection, so a name that does not resolve yet passes.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(f"{url!r} is not an http(s) URL with a host")
    with contextlib.suppress(httpx.ConnectError):
        resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


# --- The transport ---------------------------------------------------------------------


class _PinnedBackend(httpcore.NetworkBackend):
    """Resolves and checks the host when a connection opens, and connects to what it checked."""

    def __init__(self):
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        error = None
        for address in resolve(host, port):
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise Refused("unix sockets are not reachable")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, stream, max_bytes: int, request: httpx.Request):
        self._stream, self._max, self._request = stream, max_bytes, request

    def __iter__(self) -> typing.Iterator[bytes]:
        read = 0
        for chunk in self._stream:
            read += len(chunk)
            if read > self._max:
                raise TooLarge(
                    f"the answer is larger than {self._max} bytes", request=self._request
                )
            yield chunk

    def close(self) -> None:
        self._stream.close()


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a pool whose connections open through `_PinnedBackend`."""

    def __init__(self, *, max_bytes: int = MAX_BYTES, verify=True):
        # Replaces the pool HTTPTransport builds: same pool, our network backend, no proxy.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=_PinnedBackend(),
        )
        self.max_bytes = max_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ("http", "https"):
            raise Refused(f"{request.url.scheme} URLs are not reachable", request=request)
        try:
            host = check_host_form(request.url.host)
            hosts = request.extensions.get(HOSTS)
            if hosts is not None and host not in hosts:
                raise Refused(f"{host} is not an address this request may reach")
            response = super().handle_request(request)
        except Refused as exc:
            raise Refused(exc.message, request=request) from None
        response.stream = _CappedStream(response.stream, self.max_bytes, request)
        return response


class GuardedClient(httpx.Client):
    """An httpx.Client whose refusals on a redirect hop say no more than that."""

    def send(self, request: httpx.Request, **kwargs) -> httpx.Response:
        try:
            return super().send(request, **kwargs)
        except Refused as exc:
            hop = exc._request  # the request the transport refused, None if none
            if hop is not None and hop.url != request.url:
                raise Refused(REDIRECT_REFUSED, request=request) from None
            raise


def client(
    *,
    timeout: float | httpx.Timeout | None = None,
    follow_redirects: bool = True,
    max_bytes: int = MAX_BYTES,
    headers: dict | None = None,
) -> httpx.Client:
    """A new guarded client. Close it (use it as a context manager) when done."""
    return GuardedClient(
        transport=GuardedTransport(max_bytes=max_bytes),
        timeout=TIMEOUT if timeout is None else timeout,
        follow_redirects=follow_redirects,
        max_redirects=MAX_REDIRECTS,
        headers=headers,
        trust_env=False,
    )
