"""System checks: settings that would otherwise fail only at their first use.

`manage.py check`, `migrate` and `runserver` run them, so a deployment with a bad
value stops before it serves anyone (docker-compose starts web, worker and beat
only after `migrate` succeeded).
"""

from django.conf import settings
from django.core.checks import Error, register

from riskdesk.crypto import key_problem


@register()
def check_encryption_keys(app_configs=None, **kwargs) -> list[Error]:
    keys = getattr(settings, "RISKDESK_ENCRYPTION_KEYS", None)
    if not keys:
        return [
            Error(
                "RISKDESK_ENCRYPTION_KEYS holds no key.",
                hint="Set at least one Fernet key: connector credentials are encrypted with it.",
                id="riskdesk.E001",
            )
        ]
    errors = []
    for position, key in enumerate(keys, 1):
        problem = key_problem(key)
        if problem:
            problem = problem.rstrip(".")
            errors.append(
                Error(
                    # The position, never the key: check output ends up in logs.
                    f"Key {position} of RISKDESK_ENCRYPTION_KEYS is not a Fernet key ({problem}).",
                    hint=(
                        "Generate one with python -c 'from cryptography.fernet import Fernet; "
                        "print(Fernet.generate_key().decode())'"
                    ),
                    id="riskdesk.E002",
                )
            )
    return errors
