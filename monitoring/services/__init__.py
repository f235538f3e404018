"""Business operations of monitoring: streams, polls, ingestion, webhooks, and
the keyword lists and watchlist enrichment reads.

People's changes check permission and write an audit event in their transaction. Polls are
the workers' own business (see `polls`).
"""

from monitoring.services.ingest import (
    WEBHOOK_MAX_ATTEMPTS,
    WEBHOOK_RETRY_AFTER,
    mentions_ingest,
    webhook_deliveries_pending,
    webhook_process,
    webhook_receive,
)
from monitoring.services.lists import (
    TERM_MAX,
    TERM_MIN,
    WATCHED_AUDIT_FIELDS,
    keyword_list_update,
    keyword_terms_clean,
    watched_author_add,
    watched_author_remove,
)
from monitoring.services.polls import (
    ERRORS_KEPT,
    PollOutcome,
    poll_enqueue,
    stream_claim,
    stream_error_record,
    stream_poll,
    streams_claim_due,
)
from monitoring.services.streams import (
    CONNECTION_FIELDS,
    STREAM_FIELDS,
    connection_value,
    stream_create,
    stream_delete,
    stream_host,
    stream_poll_now,
    stream_update,
)

__all__ = [
    "CONNECTION_FIELDS",
    "ERRORS_KEPT",
    "STREAM_FIELDS",
    "TERM_MAX",
    "TERM_MIN",
    "WATCHED_AUDIT_FIELDS",
    "WEBHOOK_MAX_ATTEMPTS",
    "WEBHOOK_RETRY_AFTER",
    "PollOutcome",
    "connection_value",
    "keyword_list_update",
    "keyword_terms_clean",
    "mentions_ingest",
    "poll_enqueue",
    "stream_claim",
    "stream_create",
    "stream_delete",
    "stream_error_record",
    "stream_host",
    "stream_poll",
    "stream_poll_now",
    "stream_update",
    "streams_claim_due",
    "watched_author_add",
    "watched_author_remove",
    "webhook_deliveries_pending",
    "webhook_process",
    "webhook_receive",
]
