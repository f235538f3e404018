"""Policies, their reviewed revisions and acknowledgements; training modules and records.

A policy's text lives in numbered revisions. A revision moves
draft → in review → approved → published (the previously published one becomes
superseded), or back to draft when a reviewer asks for changes. Each reviewer's
approval stores the digest of the exact content approved (riskdesk.content_hash),
so an edit after approval voids it.
"""

import calendar
from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from riskdesk.content_hash import content_digest


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


class Audience(models.Model):
    """Who a policy or a training module is for: everyone, some teams or some roles."""

    audience_everyone = models.BooleanField(
        _("everyone"),
        default=False,
        help_text=_("Every active person, whatever their team or role."),
    )
    audience_teams = models.ManyToManyField(
        Team, verbose_name=_("teams"), blank=True, related_name="+"
    )
    audience_roles = models.JSONField(
        _("roles"), default=list, blank=True, help_text=_("Role names, e.g. social or manager.")
    )

    class Meta:
        abstract = True


class PolicyKind(models.TextChoices):
    SOCIAL_MEDIA = "social_media", _("Social media policy")
    EMPLOYEE_GUIDELINES = "employee_guidelines", _("Employee guidelines")
    CRISIS_PLAN = "crisis_plan", _("Crisis communication plan")
    ACCOUNT_SECURITY = "account_security", _("Account security and handover")
    OTHER = "other", _("Other")


class ReviewStatus(models.TextChoices):
    CURRENT = "current", _("Up to date")
    DUE = "due", _("Review due soon")
    OVERDUE = "overdue", _("Review overdue")


class Policy(Audience):
    title = models.CharField(_("title"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=PolicyKind.choices)
    description = models.TextField(
        _("purpose"), blank=True, help_text=_("One or two sentences: what this policy is for.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_policies",
        help_text=_("Writes the revisions and is reminded when a review is due."),
    )
    review_interval_months = models.PositiveSmallIntegerField(
        _("review every (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
    )
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    review_status = models.CharField(
        _("review"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.CURRENT
    )
    current_revision = models.ForeignKey(
        "PolicyRevision",
        verbose_name=_("published revision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledgement_revision = models.ForeignKey(
        "PolicyRevision",
        verbose_name=_("revision to acknowledge"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The last published revision with a material change."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        permissions = [
            ("manage_policy", _("Can create policies and change their settings")),
            ("review_policy", _("Can review, approve and publish policy revisions")),
            ("view_compliance", _("Can see acknowledgement and training reports")),
        ]

    def __str__(self):
        return self.title

    def review_date_after(self, day):
        return add_months(day, self.review_interval_months)


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


OPEN_STATUSES = (RevisionStatus.DRAFT, RevisionStatus.IN_REVIEW, RevisionStatus.APPROVED)


class ApprovalRule(models.TextChoices):
    ANY = "any", _("Any one reviewer")
    ALL = "all", _("Every reviewer")


class PolicyRevision(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    body = models.TextField(_("text"), help_text=_("Markdown."))
    summary = models.TextField(
        _("summary of changes"), help_text=_("What changed and why, in plain words.")
    )
    material_change = models.BooleanField(
        _("material change"),
        default=False,
        help_text=_("Everyone in the audience must acknowledge it once it is published."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="authored_policy_revisions",
    )
    approval_rule = models.CharField(
        _("approval needed from"),
        max_length=8,
        choices=ApprovalRule.choices,
        default=ApprovalRule.ANY,
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="RevisionReview",
        related_name="policy_revisions_to_review",
        verbose_name=_("reviewers"),
    )
    content_digest = models.CharField(max_length=64, editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["policy", "-number"]
        verbose_name = _("policy revision")
        verbose_name_plural = _("policy revisions")
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policies_revision_number"),
            # At most one revision of a policy is being written or reviewed at a time.
            models.UniqueConstraint(
                fields=["policy"],
                condition=models.Q(status__in=["draft", "in_review", "approved"]),
                name="policies_one_open_revision",
            ),
            models.UniqueConstraint(
                fields=["policy"],
                condition=models.Q(status="published"),
                name="policies_one_published_revision",
            ),
        ]

    def __str__(self):
        return f"{self.policy} · r{self.number}"

    def compute_digest(self) -> str:
        return content_digest(
            {
                "policy": self.policy_id,
                "number": self.number,
                "body": self.body,
                "summary": self.summary,
                "material_change": self.material_change,
            }
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.is_open


class ReviewDecision(models.TextChoices):
    PENDING = "pending", _("Waiting")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")


class RevisionReview(models.Model):
    """One reviewer's decision on a revision, bound to the digest of what they read."""

    revision = models.ForeignKey(PolicyRevision, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_reviews"
    )
    decision = models.CharField(
        max_length=24, choices=ReviewDecision.choices, default=ReviewDecision.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    content_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["reviewer__display_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "reviewer"], name="policies_review_unique")
        ]

    def __str__(self):
        return f"{self.reviewer} on {self.revision}: {self.decision}"

    @property
    def counts(self) -> bool:
        """An approval counts only while the revision still has the content approved."""
        return (
            self.decision == ReviewDecision.APPROVED
            and self.content_digest == self.revision.content_digest
        )


class RevisionComment(models.Model):
    """A remark on a revision, on one line of its text or on the whole."""

    revision = models.ForeignKey(PolicyRevision, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    line = models.PositiveIntegerField(_("line"), null=True, blank=True)
    line_text = models.TextField(_("quoted line"), blank=True)
    requests_changes = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author} on {self.revision}"


class Acknowledgement(models.Model):
    """A person read a published revision and said so."""

    revision = models.ForeignKey(
        PolicyRevision, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acknowledgements"
    )
    acknowledged_at = models.DateTimeField(auto_now_add=True)
    content_digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["-acknowledged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "user"], name="policies_ack_unique")
        ]

    def __str__(self):
        return f"{self.user} acknowledged {self.revision}"


class TrainingModule(Audience):
    title = models.CharField(_("title"), max_length=200, unique=True)
    code = models.SlugField(
        _("code"),
        max_length=64,
        unique=True,
        help_text=_("The module's id in the learning platform; CSV imports match on it."),
    )
    description = models.TextField(_("description"), blank=True)
    policy = models.ForeignKey(
        Policy,
        verbose_name=_("policy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_modules",
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Empty: a completion never expires."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    self_service = models.BooleanField(
        _("people complete it themselves"),
        default=False,
        help_text=_(
            "Each person reads the description and confirms they completed it; "
            "no record from HR or the learning platform is needed."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("training module")
        verbose_name_plural = _("training modules")
        permissions = [("manage_training", _("Can manage training modules and records"))]

    def __str__(self):
        return self.title

    def expiry_after(self, completed_on):
        if self.validity_months is None:
            return None
        return add_months(completed_on, self.validity_months)


class RecordSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported")
    API = "api", _("API")
    SELF = "self", _("Completed by the person")


class TrainingRecord(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="training_records",
    )
    module = models.ForeignKey(
        TrainingModule, verbose_name=_("module"), on_delete=models.CASCADE, related_name="records"
    )
    completed_on = models.DateField(_("completed on"))
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    evidence = models.CharField(
        _("evidence"),
        max_length=500,
        blank=True,
        help_text=_("A certificate link or reference."),
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    source = models.CharField(max_length=16, choices=RecordSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-completed_on", "-pk"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module", "completed_on"], name="policies_record_unique"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.module} · {self.completed_on}"

    def is_valid_on(self, day) -> bool:
        return self.expires_on is None or self.expires_on >= day


class TrainingAssignment(models.Model):
    """A person asked to complete a module by a date."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_assignments"
    )
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="assignments")
    due_on = models.DateField(_("due on"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="policies_assignment_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.module} by {self.due_on}"


class ReminderKind(models.TextChoices):
    REVIEW = "review", _("Policy review")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    TRAINING_EXPIRY = "training_expiry", _("Training expiry")
    TRAINING_DUE = "training_due", _("Training assignment")


class Reminder(models.Model):
    """One reminder sent, so the daily task does not send the same one every day."""

    kind = models.CharField(max_length=24, choices=ReminderKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    sent_on = models.DateField()

    class Meta:
        ordering = ["-sent_on", "-pk"]
        indexes = [models.Index(fields=["kind", "key", "user", "sent_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key", "user", "sent_on"], name="policies_reminder_once_a_day"
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.key} to {self.user} on {self.sent_on}"
