"""A small web site whose pages a sponsored post links to: some answer, some do not.

Paths: /ok (200), /gone (404), /error (500), /no-head (405 to HEAD, 200 to GET),
/short/<n> (a shortener: 301 to /ok after n hops), /loop (redirects to itself),
/slow (answers after `slow_seconds`), /to-private (redirects to a private address).
"""

import time

from tests.fakes.base import FakeServer, Reply, Request


class FakeLinkSite(FakeServer):
    slow_seconds = 2.0

    def __init__(self):
        super().__init__()
        self.redirects: dict[str, str] = {"/to-private": "http://10.0.0.1/admin"}

    def start(self) -> "FakeLinkSite":
        super().start()
        handler = self._server.RequestHandlerClass
        handler.do_HEAD = handler.do_GET  # the base routes GET/POST/PUT/DELETE only
        return self

    def handle(self, request: Request) -> Reply:
        reply = self._page(request)
        if request.method == "HEAD":
            reply.body = None  # headers only
        return reply

    def _page(self, request: Request) -> Reply:
        html = "text/html; charset=utf-8"
        path = request.path
        if path == "/ok":
            return Reply(200, "<html><body>Lumora Brew</body></html>", content_type=html)
        if path == "/gone":
            return Reply(404, "not found", content_type=html)
        if path == "/error":
            return Reply(500, "boom", content_type=html)
        if path == "/no-head":
            if request.method == "HEAD":
                return Reply(405, "", content_type=html)
            return Reply(200, "<html>GET only</html>", content_type=html)
        if path.startswith("/short/"):
            hops = int(path.rsplit("/", 1)[1])
            target = "/ok" if hops <= 1 else f"/short/{hops - 1}"
            return Reply(301, "", headers={"Location": target}, content_type=html)
        if path == "/loop":
            return Reply(302, "", headers={"Location": "/loop"}, content_type=html)
        if path == "/slow":
            time.sleep(self.slow_seconds)
            return Reply(200, "late", content_type=html)
        if path in self.redirects:
            return Reply(
                302, "secret", headers={"Location": self.redirects[path]}, content_type=html
            )
        return Reply(404, "unknown", content_type=html)
