"""PostgreSQL keeps the plan of a SELECT that a connection sends again.

Django binds parameters on the client (psycopg's ClientCursor), so each query reaches the server
as text with its values written in and is planned anew. Over mentions partitioned by month,
planning costs more than running: the planner weighs every index of every partition, about
1.5 ms for an inbox page's rows against 0.3 ms to read them. A page sends the same texts on
every load (the same reader, view and filters), so after a text's first use
(`DATABASE_PREPARE_THRESHOLD`) psycopg prepares it and later uses run the stored plan.

The values are in the text, so a stored plan is the plan of those very values, as if planned
anew: only repetition is saved, never a plan chosen for other values. PostgreSQL replans by
itself when a table's indexes or statistics change. Only single SELECTs are prepared: a
transaction command or a schema change is not a plan worth keeping.

Behind a pooler in transaction mode (PgBouncer without `max_prepared_statements`), set
`DATABASE_PREPARE_THRESHOLD=off`: a prepared statement belongs to one server session.
"""

from django.db.backends.postgresql.base import Cursor
from psycopg._preparing import Prepare


class PreparingCursor(Cursor):
    """Django's cursor (client-side binding), whose repeated SELECTs are prepared."""

    def _get_prepared(self, pgq, prepare=None):
        text = pgq.query
        if text[:6].upper() == b"SELECT" and b";" not in text and not self._conn._pipeline:
            return self._conn._prepared.get(pgq, prepare)
        return Prepare.NO, b""

    def _send_query_prepared(self, name, pgq, *, binary=None):
        # The values are written into the text: the statement takes no parameters.
        self._query = pgq  # what Django logs as the query sent (last_executed_query)
        self._pgconn.send_query_prepared(name, None)


def keep_plans(sender, connection, **kwargs) -> None:
    """On each new PostgreSQL connection (connection_created): prepare repeated SELECTs."""
    from django.conf import settings

    if connection.vendor != "postgresql" or settings.DATABASE_PREPARE_THRESHOLD is None:
        return
    connection.connection.cursor_factory = PreparingCursor
    connection.connection.prepare_threshold = settings.DATABASE_PREPARE_THRESHOLD
