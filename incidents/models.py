"""Playbooks, incidents, their tasks, timeline, linked mentions, statements and freezes.

Models hold invariants and small derived facts; every change goes through the
services (the incidents.services package and incidents.freeze), which check
permission, write the timeline and the audit event in one transaction.
"""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riskdesk.content_hash import content_digest


class Scenario(models.TextChoices):
    REVIEW_STORM = "review_storm", _("Negative review storm / PR crisis")
    ACCOUNT_COMPROMISE = "account_compromise", _("Account compromise")
    IMPERSONATION = "impersonation", _("Impersonation or fake account")
    COMPLIANCE_BREACH = "compliance_breach", _("Compliance breach")
    LEGAL_THREAT = "legal_threat", _("Legal threat")
    DATA_LEAK = "data_leak", _("Data leak")
    EMPLOYEE_POST = "employee_post", _("Executive or employee post gone wrong")
    OTHER = "other", _("Other")


class Severity(models.IntegerChoices):
    SEV1 = 1, _("SEV1 — critical")
    SEV2 = 2, _("SEV2 — major")
    SEV3 = 3, _("SEV3 — moderate")
    SEV4 = 4, _("SEV4 — minor")


SEVERITY_DEFINITIONS = {
    Severity.SEV1: _(
        "Brand-threatening: going viral or picked up by the press, customers harmed or "
        "defrauded, an account taken over, personal data exposed. All hands, now; "
        "publishing is frozen."
    ),
    Severity.SEV2: _(
        "Serious and spreading: a fast-growing complaint wave, a credible legal threat, an "
        "active impersonator, a regulator-relevant post. Within the hour; freeze publishing "
        "if in doubt."
    ),
    Severity.SEV3: _(
        "Contained but needs a coordinated answer: a handful of angry threads, one influencer "
        "complaint, a clumsy employee post with little reach. Same working day."
    ),
    Severity.SEV4: _(
        "Minor or precautionary: watch and document, no public exposure yet. "
        "Within two working days."
    ),
}


def severity_short(value: int) -> str:
    return f"SEV{value}"


class Status(models.TextChoices):
    DECLARED = "declared", _("Declared")
    INVESTIGATING = "investigating", _("Investigating")
    CONTAINED = "contained", _("Contained")
    RESOLVED = "resolved", _("Resolved")
    REVIEWED = "reviewed", _("Reviewed")


OPEN_STATUSES = (Status.DECLARED, Status.INVESTIGATING, Status.CONTAINED)
CLOSED_STATUSES = (Status.RESOLVED, Status.REVIEWED)


class IncidentRole(models.TextChoices):
    """The hats people wear in an incident; each is one person (a field of Incident)."""

    LEAD = "lead", _("Incident lead")
    LEGAL = "legal", _("Legal")
    COMMUNICATIONS = "communications", _("PR / communications")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    SECURITY = "security", _("Security")
    SOCIAL_LEAD = "social_lead", _("Social lead")


class Source(models.TextChoices):
    MANUAL = "manual", _("Declared by hand")
    INBOX = "inbox", _("From a selection in the inbox")
    SPIKE = "spike", _("From a spike alert")
    IMPERSONATION = "impersonation", _("From an impersonation flag")
    RULE = "rule", _("Opened by a rule")


class Playbook(models.Model):
    """A scenario and its ordered steps: what to do, who does it, by when."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    scenario = models.CharField(_("scenario"), max_length=32, choices=Scenario.choices)
    description = models.TextField(_("when to use it"), blank=True)
    default_severity = models.PositiveSmallIntegerField(
        _("usual severity"), choices=Severity.choices, default=Severity.SEV3
    )
    is_active = models.BooleanField(
        _("offered when declaring"),
        default=True,
        help_text=_("Retired playbooks stay on past incidents."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self):
        return self.name


class PlaybookStep(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("step"), max_length=200)
    instructions = models.TextField(_("how"), blank=True)
    role = models.CharField(_("owner"), max_length=32, choices=IncidentRole.choices)
    due_minutes = models.PositiveIntegerField(
        _("due (minutes after declaring)"),
        default=60,
        validators=[MaxValueValidator(60 * 24 * 30)],
    )
    policy_reference = models.CharField(
        _("policy section"),
        max_length=200,
        blank=True,
        help_text=_(
            "The section of a policy this step applies, e.g. “Crisis communication plan §3”."
        ),
    )

    class Meta:
        ordering = ["playbook", "position", "id"]
        verbose_name = _("playbook step")
        verbose_name_plural = _("playbook steps")

    def __str__(self):
        return self.title


class Incident(models.Model):
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("what is happening"), blank=True)
    playbook = models.ForeignKey(
        Playbook,
        verbose_name=_("playbook"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    scenario = models.CharField(
        _("scenario"), max_length=32, choices=Scenario.choices, default=Scenario.OTHER
    )
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DECLARED, db_index=True
    )
    source = models.CharField(
        _("declared"), max_length=16, choices=Source.choices, default=Source.MANUAL
    )
    spike = models.ForeignKey(
        "alerting.SpikeAlert",
        verbose_name=_("spike"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    rule = models.ForeignKey(
        "alerting.Rule",
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    # The roles, one person each.
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("incident lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents_led",
    )
    legal = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("legal"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    communications = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("PR / communications"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    customer_service = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("customer service"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    security = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("security"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    social_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("social lead"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The clock of the metrics.
    first_mention_at = models.DateTimeField(_("first linked mention"), null=True, blank=True)
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    contained_at = models.DateTimeField(_("contained at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    closing_note = models.TextField(_("why it closed with tasks open"), blank=True)
    mention_count = models.PositiveIntegerField(_("linked mentions"), default=0)

    class Meta:
        ordering = ["-declared_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        permissions = [
            ("manage_incident", _("Can run any incident: severity, status, roles, freeze")),
            ("approve_statement", _("Can approve holding statements")),
        ]
        indexes = [models.Index(fields=["status", "severity"], name="incidents_status_sev")]

    def __str__(self):
        return f"INC-{self.pk} {self.title}" if self.pk else self.title

    def get_absolute_url(self) -> str:
        return reverse("incident_detail", kwargs={"pk": self.pk})

    @property
    def reference(self) -> str:
        return f"INC-{self.pk}"

    @property
    def severity_label(self) -> str:
        return severity_short(self.severity)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def role_holder(self, role: str):
        return getattr(self, role)

    def role_ids(self) -> dict[str, int | None]:
        return {role: getattr(self, f"{role}_id") for role in IncidentRole.values}

    def holds_a_role(self, user) -> bool:
        return user.pk is not None and user.pk in self.role_ids().values()

    # Metrics: durations, None while the moment has not come.
    def _since_declared(self, moment) -> timedelta | None:
        return moment - self.declared_at if moment else None

    @property
    def time_to_detect(self) -> timedelta | None:
        """From the first linked mention's publication to the declaration."""
        if self.first_mention_at is None:
            return None
        return max(timedelta(0), self.declared_at - self.first_mention_at)

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self._since_declared(self.acknowledged_at)

    @property
    def time_to_contain(self) -> timedelta | None:
        return self._since_declared(self.contained_at)

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self._since_declared(self.resolved_at)


class IncidentTask(models.Model):
    class Kind(models.TextChoices):
        PLAYBOOK = "playbook", _("Playbook step")
        ADDED = "added", _("Added during the incident")
        ACTION_ITEM = "action_item", _("Review action item")

    class State(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    # Copied from the step, so editing or deleting the playbook never touches an incident.
    step = models.ForeignKey(
        PlaybookStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ADDED)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("task"), max_length=200)
    instructions = models.TextField(_("how"), blank=True)
    role = models.CharField(_("role"), max_length=32, choices=IncidentRole.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incident_tasks",
    )
    policy_reference = models.CharField(_("policy section"), max_length=200, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position", "due_at", "id"]
        verbose_name = _("incident task")
        verbose_name_plural = _("incident tasks")
        indexes = [models.Index(fields=["state", "due_at"], name="incidents_task_due")]

    def __str__(self):
        return self.title

    @property
    def is_overdue(self) -> bool:
        return (
            self.state == self.State.OPEN
            and self.due_at is not None
            and self.due_at < timezone.now()
        )


class TimelineEntry(models.Model):
    """One line of the incident's story. System entries keep their facts in `data` and
    are worded when shown (incidents.services.timeline), so each reader gets their language."""

    class Kind(models.TextChoices):
        DECLARED = "declared", _("Declared")
        NOTE = "note", _("Note")
        STATUS = "status", _("Status changed")
        SEVERITY = "severity", _("Severity changed")
        ROLE = "role", _("Role assigned")
        TASK = "task", _("Task")
        MENTIONS = "mentions", _("Mentions linked")
        STATEMENT = "statement", _("Holding statement")
        FREEZE = "freeze", _("Publishing freeze")
        REVIEW = "review", _("Post-incident review")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self):
        return f"{self.incident_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class IncidentMention(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="mention_links")
    mention = models.ForeignKey(
        "monitoring.Mention",
        on_delete=models.CASCADE,
        related_name="incident_links",
        db_constraint=False,  # the mentions are partitioned (monitoring.models.Mention)
    )
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        "alerting.Rule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-linked_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "mention"], name="incidents_mention_once")
        ]

    def __str__(self):
        return f"{self.incident_id} ← {self.mention_id}"


class HoldingStatement(models.Model):
    """What the brand says publicly while it investigates; counts only once legal cleared
    this exact text."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for legal")
        APPROVED = "approved", _("Approved by legal")
        CHANGES = "changes", _("Changes requested")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="statements")
    title = models.CharField(_("title"), max_length=200)
    channel = models.CharField(
        _("where it will be said"),
        max_length=200,
        blank=True,
        help_text=_("e.g. replies on Mastodon, pinned post on X, press enquiries."),
    )
    text = models.TextField(_("text"))
    state = models.CharField(max_length=8, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    legal_comment = models.TextField(_("legal's comment"), blank=True)
    approved_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("holding statement")
        verbose_name_plural = _("holding statements")

    def __str__(self):
        return self.title

    def digest(self) -> str:
        return content_digest({"title": self.title, "channel": self.channel, "text": self.text})

    @property
    def is_cleared(self) -> bool:
        """Approved, and the text is still the one legal read."""
        return (
            self.state == self.State.APPROVED
            and bool(self.approved_digest)
            and self.approved_digest == self.digest()
        )


class PublishingFreeze(models.Model):
    """While active (not lifted), sponsored posts cannot be approved or scheduled."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="freezes")
    reason = models.TextField(_("reason"))
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_note = models.TextField(_("why it is lifted"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("publishing freeze")
        verbose_name_plural = _("publishing freezes")
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=models.Q(lifted_at__isnull=True),
                name="incidents_one_active_freeze",
            )
        ]

    def __str__(self):
        return f"freeze for {self.incident_id}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class PostIncidentReview(models.Model):
    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="review")
    summary = models.TextField(_("summary"))
    impact = models.TextField(_("impact"))
    went_well = models.TextField(_("what went well"))
    went_badly = models.TextField(_("what did not"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("post-incident review")
        verbose_name_plural = _("post-incident reviews")

    def __str__(self):
        return f"review of {self.incident_id}"
