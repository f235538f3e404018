"""The guarded outbound client: public addresses only, pinned, every redirect hop checked.

The fake servers run on 127.0.0.1, which tests allow through RISKDESK_OUTBOUND_ALLOW
("127.0.0.1/32"); everything else (redirect hops, numeric forms, other private
ranges) is checked as in production.
"""

import ast
import ipaddress
import socket
from pathlib import Path

import httpx
import pytest

from riskdesk import outbound
from tests.fakes.base import FakeServer, Reply

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "93.184.215.14"  # example.com's address: public, never actually reached here
METADATA = "the metadata service's secret body"


class Site(FakeServer):
    """Answers `routes[path]`, else 200 "hello"."""

    def __init__(self):
        super().__init__()
        self.routes: dict[str, Reply] = {}

    def handle(self, request):
        return self.routes.get(request.path, Reply(200, "hello", content_type="text/plain"))


@pytest.fixture
def site():
    with Site() as server:
        yield server


def redirect(to: str, status: int = 302) -> Reply:
    return Reply(status, METADATA, {"Location": to}, content_type="text/plain")


@pytest.fixture
def only_loopback_v4(settings):
    settings.RISKDESK_OUTBOUND_ALLOW = ["127.0.0.1/32"]


# --- Addresses and host forms ----------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.8",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 (an address refused, not bound)
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:8.8.8.8",  # mapped: refused even when the v4 address is public
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
        "2002:a9fe:a9fe::",  # 6to4 around 169.254.169.254
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
        "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    ],
)
def test_non_public_addresses(address):
    assert not outbound.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses(address):
    assert outbound.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f.1", "0x7f000001", "017700000001", "127.1", "0177.0.0.1", "1.2.3"]
)
def test_numbers_that_are_not_canonical_addresses_are_refused(host):
    with pytest.raises(outbound.Refused):
        outbound.check_host_form(host)


@pytest.mark.parametrize("host", ["example.com", "127.0.0.1", "::1", "[::1]", "api.x.com."])
def test_names_and_canonical_addresses_pass_the_form_check(host):
    outbound.check_host_form(host)


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "file:///etc/passwd",
    ],
)
def test_ensure_public_address_refuses(url, settings):
    settings.RISKDESK_OUTBOUND_ALLOW = []
    with pytest.raises(outbound.Refused):
        outbound.ensure_public_address(url)


def test_the_allow_list_opens_only_what_it_names(settings):
    settings.RISKDESK_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    outbound.ensure_public_address("http://127.0.0.1:8765/")
    with pytest.raises(outbound.Refused):
        outbound.ensure_public_address("http://127.0.0.2/")
    with pytest.raises(outbound.Refused):
        outbound.ensure_public_address("http://2130706433/")  # 127.0.0.1, in disguise


# --- The client --------------------------------------------------------------------------


def test_an_allowed_address_is_fetched(site, only_loopback_v4):
    with outbound.client() as client:
        assert client.get(f"{site.url}/").text == "hello"


def test_a_private_first_address_is_never_connected(site, settings):
    settings.RISKDESK_OUTBOUND_ALLOW = []
    with outbound.client() as client, pytest.raises(outbound.Refused):
        client.get(f"{site.url}/")
    assert site.requests == []


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://017700000001/",
        "http://127.1/",
        "http://[::1]/",
        "http://10.0.0.1/",
    ],
)
def test_a_redirect_to_a_non_public_address_is_refused(site, only_loopback_v4, target):
    site.routes["/go"] = redirect(target)
    with outbound.client() as client, pytest.raises(outbound.Refused) as caught:
        client.get(f"{site.url}/go")
    assert caught.value.message == outbound.REDIRECT_REFUSED
    assert METADATA not in str(caught.value)
    assert [r.path for r in site.requests] == ["/go"]


def test_a_redirect_to_an_allowed_address_is_followed(site, only_loopback_v4):
    site.routes["/go"] = redirect(f"{site.url}/there")
    with outbound.client() as client:
        response = client.get(f"{site.url}/go")
    assert response.text == "hello"
    assert [r.path for r in site.requests] == ["/go", "/there"]


def test_redirects_are_bounded(site, only_loopback_v4):
    site.routes["/loop"] = redirect("/loop")
    with outbound.client() as client, pytest.raises(httpx.TooManyRedirects):
        client.get(f"{site.url}/loop")
    assert len(site.requests) == outbound.MAX_REDIRECTS + 1


def test_a_request_limited_to_hosts_does_not_follow_elsewhere(site, only_loopback_v4):
    """What connectors sending a secret use: a redirect to another host is refused."""
    site.routes["/go"] = redirect("http://localhost:1/")
    with outbound.client() as client, pytest.raises(outbound.Refused):
        client.get(f"{site.url}/go", extensions={outbound.HOSTS: frozenset({"127.0.0.1"})})


def test_bodies_are_capped(site, only_loopback_v4):
    site.routes["/big"] = Reply(200, b"x" * 5000, content_type="text/plain")
    with outbound.client(max_bytes=1000) as client, pytest.raises(outbound.TooLarge):
        client.get(f"{site.url}/big")


def test_proxies_from_the_environment_are_ignored(site, only_loopback_v4, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://169.254.169.254:3128")
    monkeypatch.setenv("ALL_PROXY", "http://169.254.169.254:3128")
    with outbound.client() as client:
        assert client.get(f"{site.url}/").text == "hello"


def test_the_name_is_resolved_once_and_the_checked_address_is_the_one_connected(
    site, settings, monkeypatch
):
    """DNS rebinding: public on the check, 127.0.0.1 on a second lookup. The second never
    happens; the connection goes to the public address that was checked (here carried to
    the local fake server, since the sandbox cannot reach the Internet)."""
    settings.RISKDESK_OUTBOUND_ALLOW = []
    port = int(site.url.rsplit(":", 1)[1])
    answers = [PUBLIC, "127.0.0.1"]
    lookups, connected = [], []

    real_getaddrinfo = socket.getaddrinfo

    def rebinding_getaddrinfo(host, port_, *args, **kwargs):
        if host == "127.0.0.1":  # the carried connection below
            return real_getaddrinfo(host, port_, *args, **kwargs)
        lookups.append(host)
        address = answers[min(len(lookups) - 1, 1)]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port_))]

    real_create_connection = socket.create_connection

    def carry_to_the_fake(address, *args, **kwargs):
        connected.append(address[0])
        assert address[0] == PUBLIC  # never the rebound 127.0.0.1
        return real_create_connection(("127.0.0.1", port), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", carry_to_the_fake)
    with outbound.client() as client:
        response = client.get(f"http://rebind.example:{port}/")
    assert response.text == "hello"
    assert lookups == ["rebind.example"]
    assert connected == [PUBLIC]
    assert site.requests[0].headers["host"] == f"rebind.example:{port}"


def test_a_name_resolving_to_any_private_address_is_refused(settings, monkeypatch):
    settings.RISKDESK_OUTBOUND_ALLOW = []

    def mixed(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    monkeypatch.setattr(socket, "create_connection", pytest.fail)
    with outbound.client() as client, pytest.raises(outbound.Refused):
        client.get("http://mixed.example/")


# --- The class: nothing else talks HTTP ----------------------------------------------------

FORBIDDEN_MODULES = {"requests", "urllib.request", "urllib3", "http.client", "aiohttp"}
FORBIDDEN_HTTPX = {
    "Client",
    "AsyncClient",
    "HTTPTransport",
    "AsyncHTTPTransport",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "request",
    "stream",
}
SKIPPED = {"tests", "benchmarks", ".venv", ".tools", "node_modules", "var", "static", ".git"}


def _project_modules():
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in SKIPPED or relative.parts[0].startswith("."):
            continue
        if relative == Path("riskdesk/outbound.py"):
            continue
        yield relative, path


def _offences(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom):
            if node.module in FORBIDDEN_MODULES:
                found.append(node.module)
            elif node.module == "urllib" and any(a.name == "request" for a in node.names):
                found.append("urllib.request")
            elif node.module == "httpx":
                found += [f"httpx.{a.name}" for a in node.names if a.name in FORBIDDEN_HTTPX]
        elif isinstance(node, ast.Call | ast.ClassDef):
            # Building, calling or subclassing them; naming httpx.Client in a type hint is fine.
            targets = node.bases if isinstance(node, ast.ClassDef) else [node.func]
            found += [
                f"httpx.{t.attr}"
                for t in targets
                if isinstance(t, ast.Attribute)
                and t.attr in FORBIDDEN_HTTPX
                and isinstance(t.value, ast.Name)
                and t.value.id == "httpx"
            ]
    return found


def test_no_module_but_outbound_opens_http_connections():
    """Every outbound call goes through riskdesk.outbound.client(): no other module of the
    project builds an httpx client or transport, calls httpx.get/post/..., or imports
    requests, urllib.request, urllib3 or http.client."""
    offenders = {}
    for relative, path in _project_modules():
        found = _offences(ast.parse(path.read_text(), filename=str(path)))
        if found:
            offenders[str(relative)] = sorted(set(found))
    assert offenders == {}


def test_the_class_check_sees_what_it_forbids():
    sample = (
        "import httpx\nimport requests\nfrom urllib import request\nhttpx.Client()\n"
        "httpx.post('https://x')\nclass C(httpx.HTTPTransport): pass\n"
        "def f(client: httpx.Client) -> httpx.Response: pass\n"
    )
    assert set(_offences(ast.parse(sample))) == {
        "requests",
        "urllib.request",
        "httpx.Client",
        "httpx.post",
        "httpx.HTTPTransport",
    }
