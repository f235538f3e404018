"""Two things every PostgreSQL connection is given when it opens: the plan of a SELECT it
sends again is kept (PreparingCursor), and timestamps are read by psycopg's compiled loader
(CompiledTimestamptzLoader, below).

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

import datetime

import psycopg
from django.db.backends.postgresql.base import Cursor
from psycopg._preparing import Prepare
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader


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


# psycopg's own loader of timestamptz text: its compiled one when psycopg[binary] is there.
PSYCOPG_TIMESTAMPTZ = psycopg.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)


class CompiledTimestamptzLoader(Loader):
    """timestamptz read by psycopg's compiled loader, in a session whose time zone is UTC.

    Django registers a loader of its own, in Python, which parses the text and then sets the
    time zone Django expects: about 5 µs a value, 1.7 ms of the 300 timestamps an inbox page
    reads. In a UTC session (Django's default) psycopg's compiled loader gives the same
    datetimes, down to their tzinfo (`datetime.timezone.utc`), in a fifth of the time.
    """

    timezone = datetime.UTC  # what Django's cursors compare with their connection's

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._compiled = PSYCOPG_TIMESTAMPTZ(oid, context)

    def load(self, data):
        return self._compiled.load(data)


def read_timestamps_compiled(sender, connection, **kwargs) -> None:
    """On each new PostgreSQL connection in UTC (connection_created): the compiled loader."""
    if (
        connection.vendor != "postgresql"
        or connection.timezone is not datetime.UTC
        or connection.connection.info.parameter_status("TimeZone") != "UTC"
        or PSYCOPG_TIMESTAMPTZ is TimestamptzLoader  # psycopg without its compiled part
    ):
        return
    connection.connection.adapters.register_loader("timestamptz", CompiledTimestamptzLoader)
