import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from monitoring.enrichment import REASON_CODES
from riskdesk.networks import Platform


class StreamStatus(models.TextChoices):
    OK = "ok", _("Healthy")
    NEW = "new", _("Not polled yet")
    FAILING = "failing", _("Failing, retrying")
    RATE_LIMITED = "rate_limited", _("Waiting for the rate limit")
    STOPPED = "stopped", _("Stopped: needs a fix")


class Stream(models.Model):
    """A saved search that workers poll on one network through one connector."""

    name = models.CharField(_("name"), max_length=100)
    connector = models.CharField(_("connector"), max_length=32)
    query = models.CharField(
        _("query"),
        max_length=512,
        blank=True,
        help_text=_("Keywords, hashtags or handles, in the network's own search syntax."),
    )
    language = models.CharField(
        _("language"), max_length=8, blank=True, help_text=_("Only posts in this language.")
    )
    options = models.JSONField(
        _("connector options"),
        default=dict,
        blank=True,
        help_text=_("What else the connector needs: a hashtag, a subreddit, video ids, a feed."),
    )
    base_url = models.URLField(
        _("API address"),
        blank=True,
        help_text=_("Leave empty for the network's public API; set it for a Mastodon instance."),
    )
    # Named for what the connector signs in with; the account is a connected account.
    credential = models.ForeignKey(
        "connections.ConnectedAccount",
        verbose_name=_("connected account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="streams",
    )
    poll_interval = models.PositiveIntegerField(
        _("poll every (seconds)"),
        default=120,
        validators=[MinValueValidator(10), MaxValueValidator(86400)],
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    # A competitor's stream: its mentions are the rival's, for the reports' share of voice.
    is_competitor = models.BooleanField(
        _("competitor"),
        default=False,
        help_text=_("Mentions of a competitor, compared with the brand's in the reports."),
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("owning team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="streams",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Meta webhooks address a stream by this key, not by its id.
    webhook_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    # Visible state, written by the poller.
    status = models.CharField(
        _("status"), max_length=16, choices=StreamStatus.choices, default=StreamStatus.NEW
    )
    cursor = models.JSONField(_("cursor"), default=dict, blank=True)
    next_poll_at = models.DateTimeField(_("next poll"), default=timezone.now, db_index=True)
    last_polled_at = models.DateTimeField(_("last poll"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    mentions_found = models.PositiveBigIntegerField(_("mentions found"), default=0)
    # A poll holds the stream while claimed_until is in the future; see services.stream_claim.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("stream")
        verbose_name_plural = _("streams")
        permissions = [("poll_stream", _("Can poll a stream now"))]

    def __str__(self):
        return self.name

    @property
    def is_polling(self) -> bool:
        return self.claimed_until is not None and self.claimed_until > timezone.now()


class StreamErrorKind(models.TextChoices):
    TRANSIENT = "transient", _("Network or server error")
    RATE_LIMITED = "rate_limited", _("Rate limited")
    PERMANENT = "permanent", _("Permanent error")
    MALFORMED = "malformed", _("Malformed payload")


class StreamError(models.Model):
    """One failed poll or delivery, with what the network answered."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="errors")
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=16, choices=StreamErrorKind.choices)
    message = models.TextField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.TextField(blank=True, help_text=_("The offending response, cut at 64 KB."))

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("stream error")
        verbose_name_plural = _("stream errors")

    def __str__(self):
        return f"{self.stream}: {self.message[:80]}"


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class MentionStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting")
    RESOLVED = "resolved", _("Resolved")
    IGNORED = "ignored", _("Ignored (spam)")
    # Posted by one of the brand's registered accounts: kept for threads and context, never work.
    OWN = "own", _("Brand's own post")


OPEN_STATUSES = (MentionStatus.NEW, MentionStatus.IN_PROGRESS, MentionStatus.WAITING)
CLOSED_STATUSES = (MentionStatus.RESOLVED, MentionStatus.IGNORED)


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


# Queues whose mentions only their members (and holders of mention.view_restricted) may read.
RESTRICTED_TEAM_KINDS = ("legal", "hr")


def hidden_team_ids(user) -> list[int]:
    """Restricted queues `user` is not a member of (none for who may see them all)."""
    from accounts.selectors import special_teams  # accounts does not import monitoring
    from riskdesk.permissions import can

    if can(user, "mention.view_restricted"):
        return []
    return [
        pk
        for pk, kind, is_member in special_teams(user)
        if kind in RESTRICTED_TEAM_KINDS and not is_member
    ]


def visible_by_team(queryset, user):
    """The rows of `queryset` (mentions, or rows counting them by `team_id`) that `user` may
    read: the one visibility rule, shared by the mentions and the reports' roll-ups.

    Without mention.view nothing; the Legal and HR queues only for their members and
    holders of mention.view_restricted. Other mentions simply do not exist for them.
    """
    from riskdesk.permissions import can

    if user is None or not can(user, "mention.view"):
        return queryset.none()
    hidden = hidden_team_ids(user)
    return queryset.exclude(team_id__in=hidden) if hidden else queryset


def visibility_key(user) -> str:
    """What `visible_by_team` depends on for `user`, as a part of a cache key: readers with the
    same key see the same mentions, so figures counted for one may be shown to the others."""
    from riskdesk.permissions import can

    if user is None or not can(user, "mention.view"):
        return "none"
    return ",".join(map(str, sorted(hidden_team_ids(user)))) or "all"


class MentionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The mentions `user` may read: the one rule for every page, fragment, export and API
        (`visible_by_team`)."""
        return visible_by_team(self, user)

    def bulk_create(self, objs, *args, **kwargs):
        """Claims each mention's key too (MentionKey): a key already taken raises."""
        with transaction.atomic(using=self.db):
            made = super().bulk_create(objs, *args, **kwargs)
            MentionKey.objects.using(self.db).bulk_create(
                [
                    MentionKey(platform=m.platform, external_id=m.external_id, mention=m)
                    for m in made
                ]
            )
        return made


# Each risk reason code a bit of `reason_flags`, in REASON_CODES' order: stored bits, so a
# new code goes at the end of REASON_CODES (and its migration rewrites the column).
REASON_BITS = {code: 1 << n for n, code in enumerate(REASON_CODES)}


class ReasonFlags(models.Func):
    """The bitmask of the reason codes a `risk_reasons` list holds, as the database computes it.

    A generated column: every writer (save, update, bulk_update, COPY) keeps it in step with
    `risk_reasons` without knowing it exists. SQLite allows no subquery (json_each) in a
    generated column: it looks for the code as Django's JSON encoder writes it, which a quote
    inside a string (escaped as \\") cannot imitate.
    """

    output_field = models.PositiveIntegerField()

    def __init__(self, expression="risk_reasons", **extra):
        super().__init__(expression, **extra)

    def _sum(self, compiler, connection, test: str):
        sql, params = compiler.compile(self.source_expressions[0])
        parts = [
            f"(CASE WHEN {test.format(column=sql, code=code)} THEN {bit} ELSE 0 END)"
            for code, bit in REASON_BITS.items()
        ]
        return "(" + " + ".join(parts) + ")", params * len(parts)

    def as_postgresql(self, compiler, connection, **extra):
        return self._sum(compiler, connection, """{column} @> '[{{"code": "{code}"}}]'::jsonb""")

    def as_sql(self, compiler, connection, **extra):
        return self._sum(compiler, connection, """instr({column}, '"code": "{code}"') > 0""")


def has_reason_flag(code: str):
    """The condition "the mention carries the risk reason `code`", as its partial index says it."""
    return models.lookups.GreaterThan(models.F("reason_flags").bitand(REASON_BITS[code]), 0)


class Mention(models.Model):
    """One post, comment or article that speaks of the brand, stored exactly once.

    On PostgreSQL the table is partitioned by month of `published_at` (monitoring.partitions),
    so its key there is (id, published_at) and no foreign key can point at it: the models
    that refer to a mention say db_constraint=False and Django cascades for them. A post is
    stored once because its (platform, external_id) is claimed in MentionKey first.
    """

    platform = models.CharField(_("network"), max_length=16, choices=Platform.choices)
    external_id = models.CharField(_("id on the network"), max_length=255)
    stream = models.ForeignKey(
        Stream, null=True, blank=True, on_delete=models.SET_NULL, related_name="mentions"
    )
    author_id = models.CharField(_("author id"), max_length=255, blank=True)
    author_handle = models.CharField(_("author handle"), max_length=255, blank=True)
    author_name = models.CharField(_("author name"), max_length=255, blank=True)
    author_followers = models.PositiveBigIntegerField(_("author followers"), null=True, blank=True)
    author_verified = models.BooleanField(_("author verified"), default=False)
    text = models.TextField(_("text"))
    url = models.URLField(_("link"), max_length=2048, blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    published_at = models.DateTimeField(_("published"), db_index=True)
    parent_id = models.CharField(_("reply to"), max_length=255, blank=True)
    thread_id = models.CharField(_("thread"), max_length=255, blank=True)
    engagement = models.PositiveBigIntegerField(_("engagement"), default=0)
    raw = models.JSONField(_("payload as received"), default=dict)
    # Enrichment (monitoring.enrichment), filled before the mention is stored.
    sentiment = models.FloatField(_("sentiment"), null=True, blank=True)
    sentiment_label = models.CharField(_("sentiment label"), max_length=8, blank=True)
    risk_score = models.PositiveSmallIntegerField(_("risk score"), default=0)
    risk_reasons = models.JSONField(_("risk reasons"), default=list, blank=True)
    # The codes of risk_reasons as bits (REASON_BITS), for the reason filter's partial indexes.
    reason_flags = models.GeneratedField(
        expression=ReasonFlags(),
        output_field=models.PositiveIntegerField(),
        db_persist=True,
        verbose_name=_("risk reason flags"),
    )
    # The foreign keys' lookups are served by the indexes in Meta: a partial one where the
    # key is rare, a composite one that starts with it otherwise (one index less to write).
    impersonates = models.ForeignKey(
        "offboarding.BrandAccount",
        verbose_name=_("imitates"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="impostor_mentions",
        db_index=False,
    )
    impersonation_score = models.FloatField(
        _("likeness to the brand account"), null=True, blank=True
    )
    # The brand account that posted it (the author's id is the account's): owned, not earned.
    owned_by = models.ForeignKey(
        "offboarding.BrandAccount",
        verbose_name=_("posted by the brand account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="own_posts",
        db_index=False,
    )
    # Rules and routing (alerting.services.rules), also filled before the mention is stored.
    # No foreign-key constraint in the database: PostgreSQL cannot point one at the
    # partitioned mentions (their key is (id, published_at)); Django still cascades.
    tags = models.ManyToManyField(
        "Tag", verbose_name=_("tags"), blank=True, related_name="+", db_constraint=False
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentions",
        db_index=False,
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MentionStatus.choices, default=MentionStatus.NEW
    )
    # Which rules did what, in order: [{"rule": id, "name": ..., "did": [...]}].
    rule_trace = models.JSONField(_("rules applied"), default=list, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    # Triage (inbox.services).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_mentions",
        db_index=False,
    )
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # Bulk inserts leave it to the database; the inbox polls for rows changed since.
    updated_at = models.DateTimeField(_("updated"), db_default=Now(), db_index=True)

    objects = MentionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")
        indexes = [
            # Unique in MentionKey; here for the lookups by key (threads, webhooks).
            models.Index(fields=["platform", "external_id"], name="mention_key"),
            models.Index(fields=["-risk_score", "-published_at", "-id"], name="mention_riskiest"),
            models.Index(fields=["status", "-published_at", "-id"], name="mention_status_newest"),
            models.Index(fields=["team", "status", "-published_at"], name="mention_team_status"),
            models.Index(fields=["assignee", "status", "-published_at"], name="mention_assignee"),
            models.Index(fields=["platform", "author_id"], name="mention_author"),
            models.Index(fields=["thread_id"], name="mention_thread"),
            # A post that comes after its replies finds them (threads.late_replies).
            models.Index(
                fields=["platform", "parent_id"], condition=~Q(parent_id=""), name="mention_parent"
            ),
            # The dashboard counts the mentions received in the last day on every load.
            models.Index(fields=["received_at"], name="mention_received"),
            # The SLA breach count on every inbox page and the dashboard's queue counts (open,
            # mine, unassigned critical, breached): index-only scans of the open mentions.
            models.Index(
                fields=["first_response_due_at"],
                include=["resolve_due_at", "first_response_at", "team", "assignee", "risk_score"],
                condition=Q(status__in=OPEN_STATUSES),
                name="mention_open_queue",
            ),
            # Riskiest open first (the "Unassigned critical" view, breached by risk): no sort.
            models.Index(
                fields=["-risk_score", "-published_at", "-id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="mention_open_riskiest",
            ),
            # A reason filter by risk, one index per reason: its first page without a sort.
            # With the team and status, it finds a rare reason's visible matches without
            # reading the rows (inbox.filters.few_first).
            *(
                models.Index(
                    fields=["-risk_score", "-published_at", "-id"],
                    include=["team", "status"],
                    condition=Q(has_reason_flag(code)),
                    name=f"mention_reason_{code}",
                )
                for code in REASON_BITS
            ),
            # Newest impersonations, without a sort: the dashboard's card (the last days, any
            # status), and the open ones for the built-in Impersonation view (from the first,
            # the planner sorted a bitmap of all the open mentions: 5 ms at 1M).
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(impersonates__isnull=False),
                name="mention_impersonation",
            ),
            models.Index(
                fields=["-published_at", "-id"],
                condition=Q(impersonates__isnull=False, status__in=OPEN_STATUSES),
                name="mention_impersonation_open",
            ),
            # Few mentions imitate or are brand accounts: an account deleted finds its own.
            models.Index(
                fields=["impersonates"],
                condition=Q(impersonates__isnull=False),
                name="mention_impersonates",
            ),
            models.Index(
                fields=["owned_by"], condition=Q(owned_by__isnull=False), name="mention_owned_by"
            ),
        ]
        permissions = [
            ("triage_mention", "Can triage mentions (assign, tag, reply, resolve)"),
            ("view_restricted_mention", "Can see every team's mentions, Legal and HR included"),
        ]

    def __str__(self):
        return f"{self.platform}:{self.external_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            MentionKey.objects.using(self._state.db).create(
                platform=self.platform, external_id=self.external_id, mention=self
            )


class MentionKey(models.Model):
    """The (platform, external_id) of every stored mention, unique: what makes ingestion
    idempotent. Kept apart from the mentions because a partitioned table's unique keys
    must hold its partition column, and a post re-fetched with another `published_at` (a
    feed's `updated`, a connector that falls back to now) must still be found stored."""

    pk = models.CompositePrimaryKey("platform", "external_id")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    external_id = models.CharField(max_length=255)
    mention = models.ForeignKey(
        Mention, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )

    class Meta:
        verbose_name = _("mention key")
        verbose_name_plural = _("mention keys")

    def __str__(self):
        return f"{self.platform}:{self.external_id}"


class WebhookDelivery(models.Model):
    """A signed webhook body, kept until a worker has turned it into mentions.

    The endpoint stores it and answers at once; a redelivery of the same body
    (Meta retries for 36 hours) finds its digest taken and is stored once.
    """

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="deliveries")
    digest = models.CharField(max_length=64, unique=True)
    body = models.BinaryField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # A worker claims the delivery by pushing this forward; see services.webhook_process.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.stream} delivery {self.digest[:12]}"


class KeywordList(models.Model):
    """The terms that make a mention risky, for one reason and one language."""

    code = models.CharField(_("reason"), max_length=16)
    language = models.CharField(_("language"), max_length=8)
    terms = models.TextField(
        _("terms"), help_text=_("One per line; matched without regard to case or accents.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code", "language"]
        verbose_name = _("keyword list")
        verbose_name_plural = _("keyword lists")
        constraints = [
            models.UniqueConstraint(fields=["code", "language"], name="monitoring_keywords_unique")
        ]

    def __str__(self):
        return f"{self.code} ({self.language})"

    @property
    def term_list(self) -> list[str]:
        return [t.strip() for t in self.terms.splitlines() if t.strip()]


class WatchedAuthor(models.Model):
    """An author whose every mention counts as risky (a known troll, a past impostor)."""

    platform = models.CharField(_("network"), max_length=16, choices=Platform.choices)
    author_id = models.CharField(_("author id"), max_length=255)
    author_handle = models.CharField(_("author handle"), max_length=255, blank=True)
    reason = models.CharField(_("why"), max_length=255, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    impersonator = models.BooleanField(_("impersonates the brand"), default=False)

    class Meta:
        ordering = ["-added_at"]
        verbose_name = _("watched author")
        verbose_name_plural = _("watched authors")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "author_id"], name="monitoring_watched_author_unique"
            )
        ]

    def __str__(self):
        return f"{self.platform}:{self.author_handle or self.author_id}"
