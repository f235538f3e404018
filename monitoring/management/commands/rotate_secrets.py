from django.core.management.base import BaseCommand
from django.db import transaction

from monitoring.models import Credential
from riskdesk import crypto


class Command(BaseCommand):
    help = (
        "Encrypt every stored credential again with the newest key of RISKDESK_ENCRYPTION_KEYS. "
        "Run it after putting a new key in front; then the old key can be removed."
    )

    def handle(self, *args, **options):
        rotated = unreadable = 0
        with transaction.atomic():
            for credential in Credential.objects.select_for_update().order_by("pk"):
                try:
                    credential.secret_encrypted = crypto.rotate(credential.secret_encrypted)
                except crypto.SecretUnreadable:
                    unreadable += 1
                    self.stderr.write(
                        f"credential {credential.pk} ({credential.name}): encrypted with a key "
                        "that is not configured; set its secret again"
                    )
                    continue
                credential.save(update_fields=["secret_encrypted"])
                rotated += 1
        self.stdout.write(f"{rotated} credential(s) encrypted with the newest key.")
        if unreadable:
            self.stdout.write(f"{unreadable} credential(s) could not be read.")
