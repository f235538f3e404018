"""Rows for the inbox benchmark: the organisation, a million mentions drawn from the
labelled set, and their loading (PostgreSQL COPY, or a few inserts on SQLite)."""

import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Team, TeamMembership, User
from inbox.models import SlaTarget
from monitoring import partitions
from monitoring.models import Mention, MentionKey, Priority, Stream, Tag
from monitoring.pipeline import copy_tag_links

CHUNK = 50_000
DAYS = 180
AUTHORS = 100_000
AGENTS = 12  # the demo social user and eleven colleagues who take mentions
MANUAL_TAGS = [
    "refund", "delivery", "firmware", "praise", "question", "bug", "stock", "influencer",
    "press", "feature-request", "warranty", "app", "spam", "pricing", "competitor",
    "recipe", "subscription", "retail", "event", "giveaway",
]  # fmt: skip
RULE_TAGS = ["impersonation", "legal-threat", "security", "crisis", "complaint"]
FIRST_NAMES = [
    "camille", "lea", "hugo", "chloe", "lucas", "emma", "nathan", "ines", "jules", "manon",
    "alex", "sam", "jordan", "taylor", "morgan", "riley", "casey", "jamie", "robin", "charlie",
]  # fmt: skip
HASHTAGS = ["#lumora", "#lumorabrew", "#coffee", "#cafe", "#morning", "#support", "#fail"]
# (days old up to, [(status, share)]): recent mentions are open, old ones mostly closed.
STATUS_BY_AGE = [
    (1, [("new", 55), ("in_progress", 20), ("waiting", 10), ("resolved", 10), ("ignored", 5)]),
    (7, [("new", 12), ("in_progress", 10), ("waiting", 8), ("resolved", 50), ("ignored", 20)]),
    (DAYS + 1, [("new", 1), ("in_progress", 1), ("waiting", 1), ("resolved", 70), ("ignored", 27)]),
]  # fmt: skip
ASSIGNED_SHARE = {"new": 0.1, "in_progress": 0.95, "waiting": 0.9, "resolved": 0.8, "ignored": 0.3}
# The demo rules (alerting.demo.DEMO_RULES): reason -> team, priority, tag; strongest first.
ROUTES = [
    ("impersonation", "security", Priority.URGENT, "impersonation"),
    ("legal", "legal", Priority.HIGH, "legal-threat"),
    ("security", "security", Priority.HIGH, "security"),
    ("crisis", "pr", Priority.HIGH, "crisis"),
]
COLUMNS = [
    "id", "platform", "external_id", "stream_id", "author_id", "author_handle", "author_name",
    "author_followers", "author_verified", "text", "url", "language", "published_at",
    "parent_id", "thread_id", "engagement", "raw", "received_at", "sentiment",
    "sentiment_label", "risk_score", "risk_reasons", "impersonates_id", "impersonation_score",
    "team_id", "priority", "status", "rule_trace", "assignee_id", "first_response_due_at",
    "resolve_due_at", "first_response_at", "resolved_at", "updated_at",
]  # fmt: skip
JSON_COLUMNS = {COLUMNS.index(name) for name in ("raw", "risk_reasons", "rule_trace")}
TIME_COLUMNS = {i for i, name in enumerate(COLUMNS) if name.endswith("_at")}


@dataclass(frozen=True)
class Sample:
    """One labelled post, enriched and routed once; the rows are drawn from these."""

    row: dict
    language: str
    sentiment: float | None
    sentiment_label: str
    risk_score: int
    risk_reasons: list
    impersonates_id: int | None
    impersonation_score: float | None
    team: str | None
    priority: int
    tags: tuple[str, ...]


def _samples() -> list[Sample]:
    from monitoring.enrichment.enricher import current_enricher
    from monitoring.enrichment.evaluation import mention_of
    from monitoring.enrichment.training import load_labelled

    enricher = current_enricher()
    made = []
    for row in load_labelled():
        mention = mention_of(row)
        mention.published_at = timezone.now()
        enricher.enrich(mention)
        codes = {reason["code"] for reason in mention.risk_reasons}
        team, priority, tags = None, Priority.NORMAL, []
        for code, route_team, route_priority, tag in ROUTES:
            if code in codes:
                team, priority = team or route_team, max(priority, route_priority)
                tags.append(tag)
        if mention.sentiment is not None and mention.sentiment < -0.3:
            team = team or "customer-service"
            tags.append("complaint")
        made.append(
            Sample(
                row=row,
                language=mention.language,
                sentiment=mention.sentiment,
                sentiment_label=mention.sentiment_label,
                risk_score=mention.risk_score,
                risk_reasons=mention.risk_reasons,
                impersonates_id=mention.impersonates_id,
                impersonation_score=mention.impersonation_score,
                team=team,
                priority=priority,
                tags=tuple(tags),
            )
        )
    return made


def seed_organisation() -> dict:
    """The demo people, teams, brand accounts and rules, eleven more agents, streams, tags."""
    from django.contrib.auth.models import Group

    from accounts.demo import demo_email, seed_people_and_teams
    from accounts.roles import Role
    from alerting.demo import seed_alerting
    from monitoring.demo import seed_monitoring

    seed_people_and_teams()
    seed_monitoring()
    seed_alerting()
    teams = {team.slug: team.pk for team in Team.objects.all()}
    user = User.objects.get(email=demo_email("social"))
    social = Group.objects.get(name=Role.SOCIAL)
    agents = [user.pk]
    for n in range(1, AGENTS):
        agent = User.objects.create_user(f"agent{n}@bench.example", display_name=f"Agent {n}")
        agent.groups.add(social)
        slug = "social" if n % 3 else "customer-service"
        TeamMembership.objects.create(team_id=teams[slug], user=agent)
        agents.append(agent.pk)
    streams = {
        platform: Stream.objects.create(
            name=f"bench {platform}", connector=platform, team_id=teams["social"]
        ).pk
        for platform in ("x", "mastodon", "bluesky", "reddit", "youtube", "news")
    }
    tags = {name: Tag.objects.get_or_create(name=name)[0].pk for name in RULE_TAGS + MANUAL_TAGS}
    targets = {
        t.priority: (t.first_response, t.resolution) for t in SlaTarget.objects.filter(team=None)
    }
    return {
        "samples": _samples(),  # now: the enricher reads its lists, not in the middle of a COPY
        "user": user,
        "teams": teams,
        "agents": agents,
        "streams": streams,
        "tags": tags,
        "targets": targets,
    }


def _status(rng: random.Random, age_days: float) -> str:
    for up_to, shares in STATUS_BY_AGE:
        if age_days <= up_to:
            statuses, weights = zip(*shares, strict=True)
            return rng.choices(statuses, weights)[0]
    return "resolved"


def _generate(rows: int, org: dict, now, seed: int = 5):
    """Yield (mention row, [tag ids]) for ids 1..rows, oldest first. Runs no query."""
    rng = random.Random(seed)
    samples = org["samples"]
    benign = [s for s in samples if s.risk_score < 40]
    risky = [s for s in samples if s.risk_score >= 40]
    manual = [org["tags"][name] for name in MANUAL_TAGS]
    manual_weights = [1 / (k + 1) for k in range(len(manual))]
    agents = org["agents"]
    start = now - timedelta(days=DAYS)
    span = (now - start).total_seconds() - 60
    for pk in range(1, rows + 1):
        sample = rng.choice(risky if rng.random() < 0.12 else benign)
        row = sample.row
        published = start + timedelta(seconds=span * pk / rows - rng.random() * 600)
        received = published + timedelta(seconds=rng.randint(5, 300))
        age_days = (now - published).total_seconds() / 86400
        if sample.impersonates_id or row.get("author_handle", "").lstrip("@") == "lumora":
            handle, name, author_id = row["author_handle"], row["author_name"], row["author_id"]
            followers = row.get("author_followers")
        else:
            k = int(AUTHORS * rng.random() ** 3)  # a few loud authors, a long tail
            first = FIRST_NAMES[k % len(FIRST_NAMES)]
            handle, name, author_id = f"@{first}_{k}", f"{first.title()} {k}", f"a{k}"
            followers = int(10 ** rng.uniform(0, 5.5))
        text = row["text"]
        if rng.random() < 0.25:
            text += f" #{rng.randint(10_000, 99_999)}"
        if rng.random() < 0.15:
            text += " " + rng.choice(HASHTAGS)
        team = sample.team
        if team is None:
            team = rng.choices(["social", "customer-service", None], [55, 15, 30])[0]
        priority = sample.priority
        if priority == Priority.NORMAL and rng.random() < 0.15:
            priority = Priority.LOW
        status = _status(rng, age_days)
        assignee = rng.choice(agents) if rng.random() < ASSIGNED_SHARE[status] else None
        first_target, resolve_target = org["targets"][priority]
        first_due, resolve_due = received + first_target, received + resolve_target
        first_at = resolved_at = None
        if status not in ("new", "ignored"):
            first_at = min(now, received + first_target * rng.uniform(0.05, 1.4))
        if status == "resolved":
            resolved_at = min(now, max(first_at, received + resolve_target * rng.uniform(0.1, 1.3)))
        tags = [org["tags"][name] for name in sample.tags]
        if rng.random() < 0.3:
            tags.extend(rng.choices(manual, manual_weights, k=rng.randint(1, 2)))
        engagement = int(10 ** rng.uniform(0, 3)) - 1
        platform = row["platform"]
        yield (
            (
                pk,
                platform,
                f"bench-{pk}",
                org["streams"].get(platform),
                author_id,
                handle,
                name,
                followers,
                False,
                text,
                f"https://{platform}.example/p/{pk}",
                sample.language,
                published,
                "",
                "",
                engagement,
                {"id": f"bench-{pk}", "lang": sample.language, "metrics": {"likes": engagement}},
                received,
                sample.sentiment,
                sample.sentiment_label,
                sample.risk_score,
                sample.risk_reasons,
                sample.impersonates_id,
                sample.impersonation_score,
                org["teams"][team] if team else None,
                int(priority),
                status,
                [],
                assignee,
                first_due,
                resolve_due,
                first_at,
                resolved_at,
                resolved_at or first_at or received,
            ),
            sorted(set(tags)),
        )


def _progress(done: int, rows: int, started: float) -> None:
    seconds = time.perf_counter() - started
    print(f"inbox: {done:,}/{rows:,} mentions loaded ({seconds:.0f} s)", file=sys.stderr)


def _secondary_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of `table`'s indexes that back no constraint.

    A partitioned table's index says ON ONLY (itself alone): made again without it, it is
    made on every partition, as the migration made it.
    """
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        [table],
    )
    return [(name, sql.replace(" ON ONLY ", " ON ", 1)) for name, sql in cursor.fetchall()]


def load_postgresql(rows: int, org: dict, now) -> dict:
    """COPY in chunks with the secondary indexes dropped, then rebuild them and VACUUM ANALYZE.

    As a superuser, foreign-key triggers are off while loading (session_replication_role):
    the generated ids are valid, and a million deferred checks would only fill memory.
    """
    from psycopg.types.json import Jsonb

    mentions, through = Mention._meta.db_table, Mention.tags.through._meta.db_table
    keys = MentionKey._meta.db_table
    started = time.perf_counter()
    # The months the rows span (published up to DAYS and ten minutes back), before the COPY.
    partitions.ensure_partitions_between(now - timedelta(days=DAYS + 1), now)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = %s",
            [mentions],
        )
        types = dict(cursor.fetchall())
        indexes = [
            index
            for table in (mentions, through, keys)
            for index in _secondary_indexes(cursor, table)
        ]
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
        if superuser:
            cursor.execute("SET session_replication_role = replica")
        rows_sql = f"COPY {mentions} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        keys_sql = f"COPY {keys} (platform, external_id, mention_id) FROM STDIN (FORMAT BINARY)"
        generated = _generate(rows, org, now)
        for offset in range(0, rows, CHUNK):
            tag_pairs, key_rows = [], []
            with transaction.atomic(), cursor.cursor.copy(rows_sql) as copy:
                copy.set_types([types[name] for name in COLUMNS])
                for _ in range(min(CHUNK, rows - offset)):
                    values, tags = next(generated)
                    values = list(values)
                    for index in JSON_COLUMNS:
                        values[index] = Jsonb(values[index])
                    copy.write_row(values)
                    tag_pairs.extend((values[0], tag) for tag in tags)
                    key_rows.append((values[1], values[2], values[0]))
            with transaction.atomic():
                copy_tag_links(cursor, tag_pairs)
                with cursor.cursor.copy(keys_sql) as copy:
                    copy.set_types(["varchar", "varchar", "int8"])
                    for key in key_rows:
                        copy.write_row(key)
            _progress(min(offset + CHUNK, rows), rows, started)
        if superuser:
            cursor.execute("RESET session_replication_role")
        copied = time.perf_counter()
        print(f"inbox: rebuilding {len(indexes)} indexes", file=sys.stderr, flush=True)
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("RESET maintenance_work_mem")
        for table in (mentions, through):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        indexed = time.perf_counter()
        print("inbox: VACUUM ANALYZE", file=sys.stderr, flush=True)
        cursor.execute(f"VACUUM ANALYZE {mentions}")
        cursor.execute(f"VACUUM ANALYZE {through}")
        cursor.execute(f"VACUUM ANALYZE {keys}")
        cursor.execute("ANALYZE")
        # A partitioned table's size is its partitions'.
        cursor.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
            "WHERE c.oid = %s::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits "
            "WHERE inhparent = %s::regclass)",
            [mentions, mentions],
        )
        size = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {through}")
        tag_rows = cursor.fetchone()[0]
    done = time.perf_counter()
    return {
        "seed_s": round(done - started, 1),
        "copy_s": round(copied - started, 1),
        "copy_rows_per_s": round(rows / (copied - started)),
        "index_build_s": round(indexed - copied, 1),
        "vacuum_analyze_s": round(done - indexed, 1),
        "tag_rows": tag_rows,
        "table_mb": round(size / 2**20),
        "fk_checks_while_loading": not superuser,
    }


def load_sqlite(rows: int, org: dict, now) -> dict:
    mentions, through = Mention._meta.db_table, Mention.tags.through._meta.db_table
    started = time.perf_counter()
    marks = ", ".join(["%s"] * len(COLUMNS))
    insert = f"INSERT INTO {mentions} ({', '.join(COLUMNS)}) VALUES ({marks})"
    values, tag_pairs = [], []
    for row, tags in _generate(rows, org, now):
        row = list(row)
        for index in JSON_COLUMNS:
            row[index] = json.dumps(row[index])
        for index in TIME_COLUMNS:
            row[index] = connection.ops.adapt_datetimefield_value(row[index])
        values.append(row)
        tag_pairs.extend((row[0], tag) for tag in tags)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(insert, values)
        cursor.executemany(f"INSERT INTO {through} (mention_id, tag_id) VALUES (%s, %s)", tag_pairs)
        cursor.executemany(
            f"INSERT INTO {MentionKey._meta.db_table} (platform, external_id, mention_id) "
            "VALUES (%s, %s, %s)",
            [(row[1], row[2], row[0]) for row in values],
        )
        cursor.execute("ANALYZE")
    _progress(rows, rows, started)
    return {"seed_s": round(time.perf_counter() - started, 1), "tag_rows": len(tag_pairs)}


def no_mentions(postgresql: bool) -> None:
    """The benchmarks before this one leave their mentions: the inbox starts from none."""
    if postgresql:
        with connection.cursor() as cursor:
            partitions.truncate_mentions(cursor)
    else:
        Mention.objects.all().delete()
