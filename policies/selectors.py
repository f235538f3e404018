"""Reads shared by pages, the API, the dashboard and the daily reminders.

Who must acknowledge a policy or follow a module is computed from the active
people in its audience (its teams, its roles, or everyone). Reports load the
directory of active people once (people, team memberships, roles: three
queries) and work out every policy and module in memory, so their query count
does not grow with the number of policies, modules or people.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import EmploymentStatus, Team, TeamMembership, User
from accounts.roles import Role
from policies.models import (
    Acknowledgement,
    Policy,
    PolicyRevision,
    RevisionReview,
    RevisionStatus,
    TrainingAssignment,
    TrainingModule,
    TrainingRecord,
)
from policies.permissions import REVIEW

EXPIRY_WARNING_DAYS = 30


def today() -> date:
    return timezone.localdate()


def active_people() -> QuerySet:
    return User.objects.filter(is_active=True, employment_status=EmploymentStatus.ACTIVE)


def reviewers() -> QuerySet:
    """Active people whose roles let them review policy revisions."""
    app_label, codename = REVIEW.split(".")
    groups = Group.objects.filter(
        permissions__content_type__app_label=app_label, permissions__codename=codename
    )
    return active_people().filter(groups__in=groups).distinct().order_by("display_name", "pk")


def audience_of(target) -> QuerySet:
    """The active people a policy or a training module is for."""
    people = active_people()
    if target.audience_everyone:
        return people
    condition = Q(pk__in=[])
    team_ids = [team.pk for team in target.audience_teams.all()]
    if team_ids:
        condition |= Q(pk__in=TeamMembership.objects.filter(team_id__in=team_ids).values("user_id"))
    if target.audience_roles:
        condition |= Q(
            pk__in=User.groups.through.objects.filter(group__name__in=target.audience_roles).values(
                "user_id"
            )
        )
    return people.filter(condition)


def in_audience(person, target, *, team_ids: set[int], roles: set[str]) -> bool:
    if target.audience_everyone:
        return True
    if team_ids & {team.pk for team in target.audience_teams.all()}:
        return True
    return bool(roles & set(target.audience_roles))


def policies_for_list() -> QuerySet:
    return Policy.objects.select_related(
        "owner", "current_revision", "acknowledgement_revision"
    ).prefetch_related("audience_teams")


def revision_with_reviews(queryset=None) -> QuerySet:
    queryset = queryset if queryset is not None else PolicyRevision.objects.all()
    return queryset.select_related("policy", "policy__owner", "author").prefetch_related(
        Prefetch("reviews", queryset=RevisionReview.objects.select_related("reviewer"))
    )


def open_revision(policy) -> PolicyRevision | None:
    return policy.revisions.filter(
        status__in=[RevisionStatus.DRAFT, RevisionStatus.IN_REVIEW, RevisionStatus.APPROVED]
    ).first()


def revisions_awaiting(user) -> QuerySet:
    """Revisions in review where `user` is a reviewer who has not approved yet."""
    return (
        PolicyRevision.objects.filter(
            status=RevisionStatus.IN_REVIEW, reviews__reviewer=user, reviews__decision="pending"
        )
        .select_related("policy", "author")
        .order_by("submitted_at", "pk")
    )


def last_acknowledged(user, policy) -> PolicyRevision | None:
    ack = (
        Acknowledgement.objects.filter(user=user, revision__policy=policy)
        .select_related("revision")
        .order_by("-revision__number")
        .first()
    )
    return ack.revision if ack else None


# --- The directory ------------------------------------------------------------------------


@dataclass
class Person:
    pk: int
    name: str
    email: str
    team_ids: set[int] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)

    def __str__(self):
        return self.name


@dataclass
class Directory:
    people: dict[int, Person]
    teams: list[Team]

    def audience(self, target) -> list[Person]:
        return [
            person
            for person in self.people.values()
            if in_audience(person, target, team_ids=person.team_ids, roles=person.roles)
        ]


def directory(only: list[int] | None = None) -> Directory:
    people_qs = active_people().order_by("display_name", "pk")
    if only is not None:
        people_qs = people_qs.filter(pk__in=only)
    people = {
        pk: Person(pk, name or email, email)
        for pk, name, email in people_qs.values_list("pk", "display_name", "email")
    }
    memberships = TeamMembership.objects.filter(user_id__in=people).values_list(
        "user_id", "team_id"
    )
    for user_id, team_id in memberships:
        people[user_id].team_ids.add(team_id)
    roles = User.groups.through.objects.filter(
        user_id__in=people, group__name__in=Role.values
    ).values_list("user_id", "group__name")
    for user_id, role in roles:
        people[user_id].roles.add(role)
    return Directory(people=people, teams=list(Team.objects.order_by("name")))


# --- Acknowledgements ---------------------------------------------------------------------


@dataclass
class TeamCompletion:
    team: Team | None  # None: people in no team
    required: int
    done: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.required) if self.required else 100


@dataclass
class AckCompletion:
    policy: Policy
    required: list[Person]
    done_ids: set[int]
    acknowledged_at: dict[int, object] = field(default_factory=dict)

    @property
    def missing(self) -> list[Person]:
        return [p for p in self.required if p.pk not in self.done_ids]

    @property
    def done_count(self) -> int:
        return sum(1 for p in self.required if p.pk in self.done_ids)

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return round(100 * self.done_count / len(self.required))


def _by_team(teams, pairs) -> list[TeamCompletion]:
    """Per team (and "no team"), how many of the (person, done) pairs are done."""
    required: dict[int | None, int] = defaultdict(int)
    done: dict[int | None, int] = defaultdict(int)
    for person, is_done in pairs:
        for team_id in person.team_ids or {None}:
            required[team_id] += 1
            done[team_id] += is_done
    rows = [TeamCompletion(t, required[t.pk], done[t.pk]) for t in teams if required[t.pk]]
    if required[None]:
        rows.append(TeamCompletion(None, required[None], done[None]))
    return rows


def acknowledgement_completion(policies, people: Directory) -> dict[int, AckCompletion]:
    """For each policy with a revision to acknowledge: who must, who did."""
    policies = [p for p in policies if p.acknowledgement_revision_id]
    needed = {p.pk: p.acknowledgement_revision.number for p in policies}
    done: dict[int, dict[int, object]] = defaultdict(dict)
    acks = Acknowledgement.objects.filter(revision__policy_id__in=needed).values_list(
        "user_id", "revision__policy_id", "revision__number", "acknowledged_at"
    )
    for user_id, policy_id, number, when in acks:
        if number >= needed[policy_id]:
            done[policy_id][user_id] = when
    return {
        p.pk: AckCompletion(
            policy=p,
            required=people.audience(p),
            done_ids=set(done[p.pk]),
            acknowledged_at=done[p.pk],
        )
        for p in policies
    }


def pending_acknowledgements(user) -> list[Policy]:
    """The policies whose latest material revision `user` has not acknowledged yet."""
    policies = [p for p in policies_for_list() if p.acknowledgement_revision_id]
    if not policies:
        return []
    team_ids = set(user.team_memberships.values_list("team_id", flat=True))
    roles = set(user.roles)
    mine = [p for p in policies if in_audience(user, p, team_ids=team_ids, roles=roles)]
    acked = set(
        Acknowledgement.objects.filter(user=user, revision__policy__in=mine).values_list(
            "revision__policy_id", "revision__number"
        )
    )
    best: dict[int, int] = {}
    for policy_id, number in acked:
        best[policy_id] = max(number, best.get(policy_id, 0))
    return [p for p in mine if best.get(p.pk, 0) < p.acknowledgement_revision.number]


# --- Training -----------------------------------------------------------------------------


class TrainingState:
    CURRENT = "current"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"


@dataclass
class TrainingStatus:
    person: Person
    module: TrainingModule
    state: str
    expires_on: date | None = None
    completed_on: date | None = None
    due_on: date | None = None  # from an assignment

    @property
    def is_current(self) -> bool:
        return self.state in (TrainingState.CURRENT, TrainingState.EXPIRING)

    @property
    def overdue(self) -> bool:
        """Not current and past its due date (an assignment's, or the expiry of the last one)."""
        if self.is_current:
            return False
        if self.due_on is not None:
            return self.due_on < today()
        return self.state == TrainingState.EXPIRED


def training_statuses(modules, people: Directory, *, day: date | None = None) -> list:
    """One status per (person in the audience or assigned, active module)."""
    day = day or today()
    modules = [m for m in modules if m.is_active]
    latest: dict[tuple[int, int], tuple] = {}
    records = TrainingRecord.objects.filter(module__in=modules).values_list(
        "user_id", "module_id", "completed_on", "expires_on"
    )
    for user_id, module_id, completed_on, expires_on in records:
        key = (user_id, module_id)
        # The record that keeps the person covered longest wins (no expiry beats any date).
        rank = (expires_on is None, expires_on or date.min, completed_on)
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, completed_on, expires_on)
    due = {
        (user_id, module_id): due_on
        for user_id, module_id, due_on in TrainingAssignment.objects.filter(
            module__in=modules, completed_on__isnull=True
        ).values_list("user_id", "module_id", "due_on")
    }
    statuses = []
    soon = day + timedelta(days=EXPIRY_WARNING_DAYS)
    for module in modules:
        audience = {p.pk: p for p in people.audience(module)}
        for user_id, module_id in due:
            if module_id == module.pk and user_id in people.people:
                audience.setdefault(user_id, people.people[user_id])
        for person in sorted(audience.values(), key=lambda p: (p.name, p.pk)):
            key = (person.pk, module.pk)
            _rank, completed_on, expires_on = latest.get(key, (None, None, None))
            if completed_on is None:
                state = TrainingState.MISSING
            elif expires_on is None or expires_on >= soon:
                state = TrainingState.CURRENT
            elif expires_on >= day:
                state = TrainingState.EXPIRING
            else:
                state = TrainingState.EXPIRED
            statuses.append(
                TrainingStatus(person, module, state, expires_on, completed_on, due.get(key))
            )
    return statuses


def training_modules() -> QuerySet:
    return TrainingModule.objects.select_related("policy").prefetch_related("audience_teams")


# --- Per-team compliance (dashboard, reports) ---------------------------------------------


@dataclass
class TeamCompliance:
    team: Team | None
    acknowledgements: TeamCompletion | None
    training: TeamCompletion | None


def compliance_by_team(people: Directory, acks: dict, statuses: list) -> list[TeamCompliance]:
    ack_rows = {
        getattr(r.team, "pk", None): r
        for r in _by_team(
            people.teams,
            [(p, p.pk in c.done_ids) for c in acks.values() for p in c.required],
        )
    }
    training_rows = {
        getattr(r.team, "pk", None): r
        for r in _by_team(people.teams, [(s.person, s.is_current) for s in statuses])
    }
    rows = []
    for team in [*people.teams, None]:
        key = getattr(team, "pk", None)
        if key in ack_rows or key in training_rows:
            rows.append(TeamCompliance(team, ack_rows.get(key), training_rows.get(key)))
    return rows


def team_completion(people: Directory, completion: AckCompletion) -> list[TeamCompletion]:
    return _by_team(people.teams, [(p, p.pk in completion.done_ids) for p in completion.required])
