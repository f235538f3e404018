"""The demo organisation's people and teams, loaded by `seed_demo`."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Team, TeamKind, TeamMembership, User
from accounts.roles import Role
from accounts.services import roles_sync

DEMO_DOMAIN = "demo.riskdesk.local"

# (login name, display name, role, team slugs, is lead)
DEMO_PEOPLE = [
    ("admin", "Alex Martin", Role.ADMIN, ["security"], True),
    ("social", "Sam Leroy", Role.SOCIAL, ["social", "customer-service"], True),
    ("legal", "Louise Fontaine", Role.LEGAL, ["legal"], True),
    ("hr", "Hugo Bernard", Role.HR, ["hr"], True),
    ("manager", "Morgane Dubois", Role.MANAGER, ["management", "pr"], True),
]

DEMO_TEAMS = [
    ("social", "Social media", TeamKind.SOCIAL, "Watches the networks and answers the public."),
    ("pr", "PR and communications", TeamKind.PR, "Speaks for the brand; owns holding statements."),
    (
        "customer-service",
        "Customer service",
        TeamKind.CUSTOMER_SERVICE,
        "Takes complaints private.",
    ),
    ("legal", "Legal", TeamKind.LEGAL, "Clears sponsored posts and answers legal threats."),
    ("hr", "Human resources", TeamKind.HR, "Opens offboarding cases; owns employee guidelines."),
    ("security", "Security", TeamKind.SECURITY, "Locks accounts, rotates credentials."),
    ("management", "Management", TeamKind.MANAGEMENT, "Approves policies and leads crises."),
]


def demo_email(login: str) -> str:
    return f"{login}@{DEMO_DOMAIN}"


@transaction.atomic
def seed_people_and_teams(password: str | None = None) -> dict[str, int]:
    """Create or repair the demo teams and people. Running it twice changes nothing."""
    password = password or settings.RISKDESK_DEMO_PASSWORD
    roles_sync()
    created = {"teams": 0, "people": 0}
    teams = {}
    for slug, name, kind, description in DEMO_TEAMS:
        teams[slug], was_created = Team.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "description": description}
        )
        created["teams"] += was_created
    manager = None
    for login, display_name, role, team_slugs, is_lead in sorted(
        DEMO_PEOPLE, key=lambda p: p[2] != Role.MANAGER
    ):
        user = User.objects.filter(email=demo_email(login)).first()
        if user is None:
            user = User.objects.create_user(
                demo_email(login), password=password, display_name=display_name
            )
            created["people"] += 1
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=role))
        if role == Role.ADMIN and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        if role == Role.MANAGER:
            manager = user
        elif user.manager_id is None and manager is not None:
            user.manager = manager
            user.save(update_fields=["manager"])
        for slug in team_slugs:
            TeamMembership.objects.get_or_create(
                team=teams[slug], user=user, defaults={"is_lead": is_lead}
            )
    return created
