from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from riskdesk import crypto


def models_with_secrets() -> list:
    """Every model that stores a secret in a `secret_encrypted` field, whatever its app."""
    return [
        model
        for model in apps.get_models()
        if any(f.name == "secret_encrypted" for f in model._meta.get_fields())
    ]


class Command(BaseCommand):
    help = (
        "Encrypt every stored secret (connected accounts, notification channels' webhook "
        "keys) again with the newest key of RISKDESK_ENCRYPTION_KEYS. Run it after putting a "
        "new key in front; then the old key can be removed."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            for model in models_with_secrets():
                self._rotate(model)

    def _rotate(self, model) -> None:
        label = model._meta.verbose_name
        rotated = unreadable = 0
        rows = model.objects.select_for_update().exclude(secret_encrypted="").order_by("pk")
        for row in rows:
            try:
                row.secret_encrypted = crypto.rotate(row.secret_encrypted)
            except crypto.SecretUnreadable:
                unreadable += 1
                self.stderr.write(
                    f"{label} {row.pk} ({row}): encrypted with a key that is not configured; "
                    "set its secret again"
                )
                continue
            row.save(update_fields=["secret_encrypted"])
            rotated += 1
        self.stdout.write(f"{rotated} {label}(s) encrypted with the newest key.")
        if unreadable:
            self.stdout.write(f"{unreadable} {label}(s) could not be read.")
