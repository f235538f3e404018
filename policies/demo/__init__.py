"""The demo organisation's policies and training, loaded by `seed_demo`.

Four published policies (the social media policy, employee guidelines, the
crisis communication plan, the account security and handover procedure), a
second revision of the social media policy written by legal and waiting for
the demo manager's review (the social media manager acknowledged the first, so
once it is published they see what changed since), some acknowledgements, two
training modules (people complete the social media one themselves) and a few
records (one expiring soon, one expired). The history is written directly, with
dates in the past; running it twice creates nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import Team, User
from policies.demo import content as text
from policies.models import (
    Acknowledgement,
    ApprovalRule,
    Policy,
    PolicyKind,
    PolicyRevision,
    RecordSource,
    ReviewDecision,
    RevisionReview,
    RevisionStatus,
    TrainingAssignment,
    TrainingModule,
    TrainingRecord,
)
from policies.services import cadence

# (slug, title, kind, purpose, owner login, teams or "everyone", roles, interval months,
#  published days ago, body, acknowledged by)
DEMO_POLICIES = [
    (
        "social-media-policy",
        "Social media policy",
        PolicyKind.SOCIAL_MEDIA,
        "Who speaks for Lumora on social networks, how we answer, and what we never publish.",
        "legal",
        "everyone",
        [],
        6,
        170,
        text.SOCIAL_MEDIA_POLICY_R1,
        ["legal", "manager", "admin", "social"],
    ),
    (
        "employee-guidelines",
        "Employee social media guidelines",
        PolicyKind.EMPLOYEE_GUIDELINES,
        "How Lumora people talk about their work on their own accounts.",
        "hr",
        "everyone",
        [],
        12,
        60,
        text.EMPLOYEE_GUIDELINES,
        ["hr", "social", "manager"],
    ),
    (
        "crisis-communication-plan",
        "Crisis communication plan",
        PolicyKind.CRISIS_PLAN,
        "Who does what in the first hours of a social media crisis.",
        "social",
        ["social", "pr", "customer-service", "legal", "management"],
        [],
        6,
        40,
        text.CRISIS_PLAN,
        ["social", "manager"],
    ),
    (
        "account-security-handover",
        "Account security and handover procedure",
        PolicyKind.ACCOUNT_SECURITY,
        "Keeping the brand accounts in Lumora's hands, including when someone leaves.",
        "admin",
        ["social", "customer-service", "security"],
        ["admin"],
        12,
        380,
        text.ACCOUNT_SECURITY,
        ["admin"],
    ),
]

# (code, title, policy slug, validity months, teams or "everyone", description)
DEMO_MODULES = [
    (
        "social-media-essentials",
        "Social media essentials",
        "social-media-policy",
        12,
        "everyone",
        "Forty minutes on the social media policy: who speaks for Lumora, answering "
        "complaints, sponsored content and what to do when something goes wrong.",
    ),
    (
        "brand-account-security",
        "Brand account security",
        "account-security-handover",
        12,
        ["social", "customer-service", "security"],
        "Password manager, two-factor, recovery contacts, spotting phishing aimed at "
        "social media managers, and the handover when someone leaves.",
    ),
]

# (login, module code, completed days ago, score)
DEMO_RECORDS = [
    ("manager", "social-media-essentials", 60, 92),
    ("legal", "social-media-essentials", 120, 88),
    ("social", "social-media-essentials", 350, 95),  # expires in about two weeks
    ("social", "brand-account-security", 420, 81),  # expired
    ("admin", "brand-account-security", 90, 97),
]
ASSIGNED = [("hr", "social-media-essentials", 10)]  # (login, module, due in days)
# People complete these themselves (the advocacy library sends them here first).
SELF_SERVICE = {"social-media-essentials"}


def _people() -> dict[str, User]:
    people = {}
    for login in ("admin", "social", "legal", "hr", "manager"):
        people[login] = User.objects.get(email=demo_email(login))
    return people


def _publish(policy, revision, *, reviewer, when) -> None:
    revision.status = RevisionStatus.PUBLISHED
    revision.approval_rule = ApprovalRule.ANY
    revision.submitted_at = when - timedelta(days=3)
    revision.approved_at = when - timedelta(days=1)
    revision.published_at = when
    revision.published_by = reviewer
    revision.content_digest = revision.compute_digest()
    revision.save()
    RevisionReview.objects.create(
        revision=revision,
        reviewer=reviewer,
        decision=ReviewDecision.APPROVED,
        decided_at=revision.approved_at,
        content_digest=revision.content_digest,
    )
    PolicyRevision.objects.filter(pk=revision.pk).update(created_at=when - timedelta(days=5))


@transaction.atomic
def seed_policies() -> dict[str, int]:
    """Create the demo policies and training if missing (idempotent)."""
    created = {"policies": 0, "revisions": 0, "training_modules": 0, "training_records": 0}
    people = _people()
    manager = people["manager"]
    teams = {team.slug: team for team in Team.objects.all()}
    now = timezone.now()
    today = timezone.localdate()

    for (
        slug,
        title,
        kind,
        purpose,
        owner,
        audience,
        roles,
        interval,
        days_ago,
        body,
        acknowledged_by,
    ) in DEMO_POLICIES:
        if Policy.objects.filter(slug=slug).exists():
            continue
        policy = Policy.objects.create(
            slug=slug,
            title=title,
            kind=kind,
            description=purpose,
            owner=people[owner],
            audience_everyone=audience == "everyone",
            audience_roles=roles,
            review_interval_months=interval,
        )
        if audience != "everyone":
            policy.audience_teams.set([teams[s] for s in audience if s in teams])
        when = now - timedelta(days=days_ago)
        summary = text.SOCIAL_MEDIA_SUMMARY_R1 if slug == "social-media-policy" else (
            "First version."
        )  # fmt: skip
        revision = PolicyRevision(
            policy=policy,
            number=1,
            body=body,
            summary=summary,
            material_change=True,
            author=people[owner],
        )
        _publish(policy, revision, reviewer=manager, when=when)
        policy.current_revision = revision
        policy.acknowledgement_revision = revision
        policy.next_review_on = policy.review_date_after(when.date())
        policy.review_status = cadence.review_status_on(policy, today)
        policy.save()
        for login in acknowledged_by:
            ack = Acknowledgement.objects.create(
                revision=revision, user=people[login], content_digest=revision.content_digest
            )
            Acknowledgement.objects.filter(pk=ack.pk).update(
                acknowledged_at=when + timedelta(days=2)
            )
        created["policies"] += 1
        created["revisions"] += 1

        if slug == "social-media-policy":
            # The second revision, written by the policy's owner (legal), waits for the manager.
            draft = PolicyRevision(
                policy=policy,
                number=2,
                body=text.SOCIAL_MEDIA_POLICY_R2,
                summary=text.SOCIAL_MEDIA_SUMMARY_R2,
                material_change=True,
                author=people[owner],
                status=RevisionStatus.IN_REVIEW,
                approval_rule=ApprovalRule.ANY,
                submitted_at=now - timedelta(days=1),
            )
            draft.content_digest = draft.compute_digest()
            draft.save()
            RevisionReview.objects.create(revision=draft, reviewer=manager)
            created["revisions"] += 1

    policies = {p.slug: p for p in Policy.objects.all()}
    modules = {}
    for code, title, policy_slug, validity, audience, description in DEMO_MODULES:
        module, was_created = TrainingModule.objects.get_or_create(
            code=code,
            defaults={
                "title": title,
                "policy": policies.get(policy_slug),
                "validity_months": validity,
                "audience_everyone": audience == "everyone",
                "description": description,
            },
        )
        if was_created and audience != "everyone":
            module.audience_teams.set([teams[s] for s in audience if s in teams])
        created["training_modules"] += was_created
        if code in SELF_SERVICE and not module.self_service:
            module.self_service = True
            module.save(update_fields=["self_service"])
        modules[code] = module

    for login, code, days_ago, score in DEMO_RECORDS:
        module = modules[code]
        if TrainingRecord.objects.filter(user=people[login], module=module).exists():
            continue  # dates are relative to today: look for the person's record, not the date
        completed_on = today - timedelta(days=days_ago)
        TrainingRecord.objects.create(
            user=people[login],
            module=module,
            completed_on=completed_on,
            score=score,
            expires_on=module.expiry_after(completed_on),
            source=RecordSource.IMPORT,
            evidence=f"LMS certificate {code.upper()}-{people[login].pk:04d}",
        )
        created["training_records"] += 1

    for login, code, due_in in ASSIGNED:
        TrainingAssignment.objects.get_or_create(
            user=people[login],
            module=modules[code],
            defaults={"due_on": today + timedelta(days=due_in), "assigned_by": people["hr"]},
        )
    return created
