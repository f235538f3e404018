"""A real HTTP server on 127.0.0.1 that a fake network answers from, in a thread.

Each fake (tests/fakes/<network>.py) subclasses `FakeServer` and implements
`handle(request) -> Reply` with the network's real paths, JSON shapes,
cursors, rate-limit headers and errors. Every fake can misbehave on demand:
`server.inject(Fault(...))` answers the next request(s) with a status, a body,
headers or a delay instead of the real answer.

    with FakeX() as x:
        x.inject(Fault(status=503))
        ... connector calls x.url ...
        assert x.requests[-1].path == "/2/tweets/search/recent"
"""

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: object = None  # dict/list: sent as JSON; str/bytes: sent as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Fault:
    """What the next `times` requests get instead of the real answer.

    `delay` alone (no status) delays the real answer: longer than the client's
    timeout, it is a timeout. With `after`, the request is handled first and the answer
    delayed: the network accepted a post whose answer the client never saw.
    `status` with `body` and `headers` replaces the answer.
    `match` limits the fault to requests whose path contains it.
    """

    status: int | None = None
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    times: int = 1
    content_type: str = "application/json; charset=utf-8"
    match: str = ""
    after: bool = False


GARBAGE = b'{"data": [{"id": "1", "text": "cut in the midd'


class FakeServer:
    def __init__(self):
        self.requests: list[Request] = []
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- Subclasses -------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    # --- Control from tests -----------------------------------------------------

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeServer":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = fake._answer(request)
                payload = reply.encoded()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_DELETE = do_PUT = _serve

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- Internals ----------------------------------------------------------------

    def _take_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.match in request.path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
        fault = self._take_fault(request)
        if fault is not None and fault.after:
            reply = self._handled(request)
            time.sleep(fault.delay)
            return reply
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                return Reply(fault.status, fault.body, fault.headers, fault.content_type)
        return self._handled(request)

    def _handled(self, request: Request) -> Reply:
        try:
            return self.handle(request)
        except Exception as exc:  # a bug in a fake must show, not hang the client
            return Reply(599, {"fake_error": repr(exc)})
