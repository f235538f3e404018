"""`python manage.py demo_meta_business`: the demo's Meta Business Manager API, until Ctrl-C
or SIGTERM. The demo's revocation connection removes people through it (make run starts it)."""

import signal

from django.core.management.base import BaseCommand, CommandError

from offboarding.demo.meta_business import demo_api, serve


def _stop(signum, frame):
    raise KeyboardInterrupt  # leaves serve_forever() the same way Ctrl-C does


class Command(BaseCommand):
    help = "Run the demo Meta Business Manager API that the offboarding demo revokes through."
    requires_system_checks = []  # it serves no Django page and uses no database

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8767)

    def handle(self, *args, host, port, **options):
        try:
            server = serve(host, port, demo_api())
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
        self.stdout.write(f"Demo Meta Business API on http://{host}:{port}/")
        signal.signal(signal.SIGTERM, _stop)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
