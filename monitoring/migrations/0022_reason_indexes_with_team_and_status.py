"""Each reason's partial index holds the mention's team and status (INCLUDE).

A reason filter finds its visible matches by an index-only scan (inbox.filters.few_first),
without reading the rows: a legal threat filter read 21,000 rows hidden from the social team
at 1M mentions. SQLite has no INCLUDE: its indexes stay as they were.
"""

from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.lookups import GreaterThan

# monitoring.models.REASON_BITS as it is at this migration.
CODES = ("legal", "security", "crisis", "compliance", "profanity", "reach", "negative",
         "watchlist", "impersonation")  # fmt: skip


def _index(bit: int, code: str, **include) -> models.Index:
    return models.Index(
        fields=["-risk_score", "-published_at", "-id"],
        condition=Q(GreaterThan(F("reason_flags").bitand(bit), 0)),
        name=f"mention_reason_{code}",
        **include,
    )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0021_fewer_mention_indexes")]

    operations = [
        operation
        for n, code in enumerate(CODES)
        for operation in (
            migrations.RemoveIndex(model_name="mention", name=f"mention_reason_{code}"),
            migrations.AddIndex(
                model_name="mention", index=_index(1 << n, code, include=["team", "status"])
            ),
        )
    ]
