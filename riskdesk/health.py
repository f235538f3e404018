"""The checks behind /healthz: database, broker and workers.

Anyone may ask whether riskdesk is healthy (load balancers, uptime checks); only
signed-in admins see why not (exception texts name hosts, ports and versions).
"""

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from accounts.selectors import two_factor_pending
from riskdesk.celery import app as celery_app
from riskdesk.models import WorkerHeartbeat


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "transport": str(transport)}


def check_workers() -> dict:
    try:
        last = WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    if last is None:
        return {"ok": False, "last_heartbeat": None, "error": "no worker heartbeat yet"}
    age = timezone.now() - last
    return {
        "ok": age <= settings.HEARTBEAT_MAX_AGE,
        "last_heartbeat": last.isoformat(),
        "age_seconds": round(age.total_seconds(), 1),
    }


def shows_details(user) -> bool:
    """Exception texts, versions and timings are for signed-in admins (2FA verified) only."""
    return (
        user is not None
        and user.is_authenticated
        and user.has_admin_rights
        and not two_factor_pending(user)
    )


def health_report(user=None) -> tuple[bool, dict]:
    """(all fine, each component's check); anyone else than an admin gets only the states."""
    checks = {
        "database": check_database(),
        "broker": check_broker(),
        "workers": check_workers(),
    }
    ok = all(c["ok"] for c in checks.values())
    if not shows_details(user):
        checks = {name: {"ok": check["ok"]} for name, check in checks.items()}
    return ok, checks
