"""`manage.py notification_sink`: a local endpoint that notification channels can point at.

It answers every POST with 200 and prints one line per message: the time, the
path, the subject (or Slack text) and whether the HMAC signature holds. With
`--secret`, a generic webhook whose signature does not match is answered 401,
so the channel shows the failure like a real endpoint would make it.
"""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand
from django.utils import timezone

SIGNATURE_HEADER = "X-Riskdesk-Signature"
MAX_BODY = 5 * 1024 * 1024


def printable(text: str, limit: int = 160) -> str:
    """One line without control characters: a mention must not drive the terminal."""
    flat = " ".join(str(text).split())
    return "".join(c if c.isprintable() else "?" for c in flat)[:limit]


def signature_state(body: bytes, header: str | None, secret: str) -> str:
    if header is None:
        return "unsigned"
    if not secret:
        return "signed (not checked: no --secret)"
    from alerting.services import verify_signature

    return "signature ok" if verify_signature(body, header, secret) else "SIGNATURE BAD"


def summary(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return f"{len(body)} bytes, not JSON"
    if not isinstance(data, dict):
        return "JSON, not an object"
    return data.get("subject") or (data.get("text") or "").split("\n", 1)[0] or "(no subject)"


class Command(BaseCommand):
    help = "Run a local HTTP sink that prints the notifications it receives."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8766)
        parser.add_argument("--secret", default="", help="Check generic webhooks' signatures.")

    def handle(self, *args, host: str, port: int, secret: str, **options):
        write = self.stdout.write

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._answer(413, {"error": "too large"})
                    return
                body = self.rfile.read(length)
                state = signature_state(body, self.headers.get(SIGNATURE_HEADER), secret)
                write(
                    f"{timezone.localtime():%H:%M:%S} {printable(self.path, 80)} "
                    f"{printable(summary(body))} [{state}]"
                )
                if state == "SIGNATURE BAD":
                    self._answer(401, {"error": "bad signature"})
                else:
                    self._answer(200, {"ok": True})

            def _answer(self, status: int, data: dict):
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        write(f"Notification sink listening on http://{host}:{server.server_address[1]}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
