"""`python manage.py demo_network`: run the local Mastodon stand-in until Ctrl-C or SIGTERM."""

import signal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from monitoring.demo.network import REAL_DAY, build_server


def _stop(signum, frame):
    raise KeyboardInterrupt  # leaves serve_forever() the same way Ctrl-C does


class Command(BaseCommand):
    help = (
        "Run the demo network: a local server that speaks the Mastodon API and replays a "
        "scripted day of posts about the fictional brand Lumora, then starts the day again."
    )
    requires_system_checks = []  # it serves no Django page and uses no database

    def add_arguments(self, parser):
        default = urlsplit(settings.MONITORING_DEMO_NETWORK_URL)
        parser.add_argument(
            "--host",
            default=default.hostname or "127.0.0.1",
            help="Address to listen on (default: %(default)s).",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=default.port or 8765,
            help="Port to listen on (default: %(default)s).",
        )
        parser.add_argument(
            "--speed",
            type=float,
            default=1.0,
            help="How fast the day plays: 1 plays it in 30 minutes, 2 in 15 (default: 1).",
        )

    def handle(self, *args, host, port, speed, **options):
        if speed <= 0:
            raise CommandError("--speed must be a positive number.")
        try:
            server = build_server(host, port, speed)
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
        minutes = REAL_DAY / 60 / speed
        unit = "minute" if minutes == 1 else "minutes"
        self.stdout.write(
            f"Demo network (Mastodon API) listening on {server.url}\n"
            f"A day of #lumora posts plays every {minutes:g} {unit}. Press Ctrl-C to stop."
        )
        signal.signal(signal.SIGTERM, _stop)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        self.stdout.write("Demo network stopped.")
