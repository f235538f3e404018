"""The benchmarks. Each returns its figures and the reference measured in the same run."""

import statistics
import time

from django.db import transaction

from accounts.models import User
from riskdesk.audit import audit_record
from riskdesk.models import AuditEvent


def audit_write(rows: int = 5000, rounds: int = 3) -> dict:
    """Audit events written through `audit_record` vs a bulk insert of the same rows."""
    actor = User.objects.create_user("bench@example.com", display_name="Bench")
    service_rates, bulk_rates = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        with transaction.atomic():
            for i in range(rows):
                audit_record(actor=actor, verb="bench.write", target=actor, after={"i": i})
        service_rates.append(rows / (time.perf_counter() - started))

        events = [
            AuditEvent(actor=actor, actor_label=actor.email, verb="bench.bulk", after={"i": i})
            for i in range(rows)
        ]
        started = time.perf_counter()
        with transaction.atomic():
            AuditEvent.objects.bulk_create(events, batch_size=1000)
        bulk_rates.append(rows / (time.perf_counter() - started))
    service, bulk = statistics.median(service_rates), statistics.median(bulk_rates)
    return {
        "rows": rows,
        "events_per_s": round(service),
        "bulk_rows_per_s": round(bulk),
        "ratio": round(service / bulk, 3),
    }


def ingest_store() -> dict:
    from benchmarks.ingest import ingest_store as run

    return run()


def pipeline() -> dict:
    from benchmarks.pipeline import pipeline as run

    return run()


def alert_latency() -> dict:
    from benchmarks.alert_latency import alert_latency as run

    return run()


def inbox() -> dict:
    from benchmarks.inbox import inbox as run

    return run()


def risk_quality() -> dict:
    """The risk reasons on the labelled set's test split, against the keyword lists alone,
    and the cost of enrichment a mention (benchmarks.enrichment_speed)."""
    from benchmarks.enrichment_speed import us_per_mention
    from monitoring.enrichment.compiled import built_for_these_sources
    from monitoring.enrichment.evaluation import (
        enrich_rows,
        keyword_reference,
        score,
        test_rows,
    )

    rows = test_rows()
    mentions = enrich_rows(rows)
    figures = score(rows, mentions)
    reference = keyword_reference(rows, mentions)
    median, rounds = us_per_mention()
    return {
        **figures,
        "us_per_mention": round(median),
        "us_per_mention_rounds": [round(t) for t in rounds],
        "compiled": built_for_these_sources(),  # `make compile`: mypyc's build of the hot modules
        "reference": {
            "what": "the keyword lists and the sentiment lexicon alone, on the same mentions",
            "per_reason": reference["per_reason"],
            "macro_f1": reference["macro_f1"],
            "exact_share": reference["exact_share"],
            "negative_tone": reference["negative_tone"],
        },
    }


BENCHMARKS = {
    "audit_write": audit_write,
    "ingest_store": ingest_store,
    "pipeline": pipeline,
    "alert_latency": alert_latency,
    "risk_quality": risk_quality,
    "inbox": inbox,
}
