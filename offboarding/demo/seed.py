"""The demo's access inventory and offboarding (seed_demo calls `seed_offboarding`).

Lumora's brand accounts get their access details; the demo people get access
grants; Chloé Garnier, the social media manager, is about to leave (HR can
offboard her: her Facebook and Instagram roles go automatically through the demo
Meta Business API, the rest by hand); Jules Moreau, a community manager, left
yesterday and his case is open, partly done.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.demo import demo_email
from accounts.models import Team, TeamMembership, User
from accounts.services import user_create
from connections.kinds import META_BUSINESS
from connections.models import ConnectedAccount
from connections.services import connected_account_save
from offboarding.demo.meta_business import DEMO_BUSINESS_ID, DEMO_TOKEN
from offboarding.models import (
    AccessGrant,
    AccessLevel,
    AccessMethod,
    AccessVia,
    BrandAccount,
    OffboardingCase,
    TaskStatus,
)
from offboarding.services import (
    access_grant_create,
    offboarding_case_open,
    offboarding_task_complete,
)

CONNECTION_NAME = "Lumora Business Manager (demo)"

# (network, handle, display name, id, team slug): Meta accounts the monitoring demo lacks.
META_ACCOUNTS = [
    ("facebook", "lumora", "Lumora", "104857392018374", "social"),
    ("instagram", "lumora", "Lumora", "17841400123456789", "social"),
]

# (network, handle) → access details, set only where the account has none yet.
ACCESS_DETAILS = {
    ("facebook", "lumora"): {
        "access_method": AccessMethod.NATIVE_ROLES,
        "mfa_enabled": True,
        "recovery_email": "social-admin@lumora.example",
    },
    ("instagram", "lumora"): {
        "access_method": AccessMethod.NATIVE_ROLES,
        "mfa_enabled": True,
        "recovery_email": "social-admin@lumora.example",
    },
    ("x", "lumora"): {
        "access_method": AccessMethod.TOOL_SEAT,
        "credential_location": "Hootsuite (team Lumora Social)",
        "mfa_enabled": True,
        "recovery_email": "social-admin@lumora.example",
        "recovery_phone": "chloe",
    },
    ("mastodon", "lumora"): {
        "access_method": AccessMethod.SHARED_CREDENTIAL,
        "credential_location": "1Password > Social > Mastodon @lumora",
        "mfa_enabled": False,
        "rotated_days_ago": 140,
    },
    ("mastodon", "lumora_support"): {
        "access_method": AccessMethod.SHARED_CREDENTIAL,
        "credential_location": "1Password > Support > Mastodon @lumora_support",
        "mfa_enabled": True,
        "rotated_days_ago": 30,
    },
    ("bluesky", "lumora.bsky.social"): {
        "access_method": AccessMethod.SHARED_CREDENTIAL,
        "credential_location": "1Password > Social > Bluesky app password",
        "mfa_enabled": False,
        "rotated_days_ago": 75,
    },
}

# The people who leave: (login, display name, team slugs).
LEAVERS = {
    "chloe": ("chloe.garnier", "Chloé Garnier", ["social"]),
    "jules": ("jules.moreau", "Jules Moreau", ["social", "customer-service"]),
}

# (who, network, handle, level, via, tool, days ago, note)
DEMO_GRANTS = [
    ("social", "facebook", "lumora", AccessLevel.ADMIN, AccessVia.NATIVE_ROLE, "", 700, ""),
    ("social", "instagram", "lumora", AccessLevel.ADMIN, AccessVia.NATIVE_ROLE, "", 700, ""),
    ("social", "x", "lumora", AccessLevel.ADMIN, AccessVia.TOOL_SEAT, "Hootsuite", 650, ""),
    (
        "social",
        "mastodon",
        "lumora",
        AccessLevel.ADMIN,
        AccessVia.SHARED_CREDENTIAL,
        "1Password",
        600,
        "",
    ),
    (
        "admin",
        "facebook",
        "lumora",
        AccessLevel.ADMIN,
        AccessVia.NATIVE_ROLE,
        "",
        900,
        "Break-glass admin.",
    ),
    (
        "manager",
        "instagram",
        "lumora",
        AccessLevel.ANALYST,
        AccessVia.NATIVE_ROLE,
        "",
        300,
        "Reads insights for the monthly report.",
    ),
    ("chloe", "facebook", "lumora", AccessLevel.ADMIN, AccessVia.NATIVE_ROLE, "", 500, ""),
    ("chloe", "instagram", "lumora", AccessLevel.ADMIN, AccessVia.NATIVE_ROLE, "", 500, ""),
    ("chloe", "x", "lumora", AccessLevel.EDITOR, AccessVia.TOOL_SEAT, "Hootsuite", 480, ""),
    (
        "chloe",
        "bluesky",
        "lumora.bsky.social",
        AccessLevel.ADMIN,
        AccessVia.SHARED_CREDENTIAL,
        "1Password",
        200,
        "",
    ),
    (
        "chloe",
        "mastodon",
        "lumora",
        AccessLevel.ADMIN,
        AccessVia.SHARED_CREDENTIAL,
        "1Password",
        420,
        "",
    ),
    (
        "jules",
        "instagram",
        "lumora",
        AccessLevel.MODERATOR,
        AccessVia.NATIVE_ROLE,
        "",
        260,
        "Moderates comments on launch days.",
    ),
    ("jules", "x", "lumora", AccessLevel.EDITOR, AccessVia.TOOL_SEAT, "Hootsuite", 250, ""),
    (
        "jules",
        "mastodon",
        "lumora_support",
        AccessLevel.EDITOR,
        AccessVia.SHARED_CREDENTIAL,
        "1Password",
        240,
        "",
    ),
]


def _login_email(key: str) -> str:
    return demo_email(LEAVERS[key][0] if key in LEAVERS else key)


@transaction.atomic
def seed_offboarding() -> dict[str, int]:
    """Access details, grants and one open case for the demo. Running it twice creates nothing."""
    created = {"grants": 0, "cases": 0, "people": 0, "brand_accounts": 0, "connections": 0}
    admin = User.objects.filter(email=demo_email("admin")).first()
    hr = User.objects.filter(email=demo_email("hr")).first()
    if admin is None or hr is None:
        return created  # seed_people_and_teams first
    teams = {team.slug: team for team in Team.objects.all()}

    connection = ConnectedAccount.objects.filter(name__iexact=CONNECTION_NAME).first()
    if connection is None:
        connection = connected_account_save(
            actor=admin,
            name=CONNECTION_NAME,
            kind=META_BUSINESS,
            business_id=DEMO_BUSINESS_ID,
            base_url=getattr(
                settings, "OFFBOARDING_DEMO_META_BUSINESS_URL", "http://127.0.0.1:8767"
            ),
            secrets={"access_token": DEMO_TOKEN},
        )
        created["connections"] += 1
    for platform, handle, name, platform_id, team in META_ACCOUNTS:
        account, was_created = BrandAccount.objects.get_or_create(
            platform=platform,
            handle=handle,
            defaults={"display_name": name, "platform_id": platform_id, "team": teams.get(team)},
        )
        created["brand_accounts"] += was_created
        if account.revocation_connection_id is None:
            account.revocation_connection = connection
            account.save(update_fields=["revocation_connection"])

    people = {}
    for key, (login, name, team_slugs) in LEAVERS.items():
        person = User.objects.filter(email=demo_email(login)).first()
        if person is None:
            person = user_create(
                actor=admin,
                email=demo_email(login),
                display_name=name,
                roles=["social"],
                password=settings.RISKDESK_DEMO_PASSWORD,
                send_invitation=False,
            )
            created["people"] += 1
            for slug in team_slugs:
                if slug in teams:
                    TeamMembership.objects.get_or_create(team=teams[slug], user=person)
        people[key] = person

    now = timezone.now()
    for (platform, handle), details in ACCESS_DETAILS.items():
        account = BrandAccount.objects.filter(platform=platform, handle__iexact=handle).first()
        if account is None or account.access_method:
            continue
        details = dict(details)
        days = details.pop("rotated_days_ago", None)
        phone = details.pop("recovery_phone", None)
        for field, value in details.items():
            setattr(account, field, value)
        if days is not None:
            account.credential_rotated_at = now - timedelta(days=days)
        if phone:
            account.recovery_phone_owner = people.get(phone)
        account.save()

    if not AccessGrant.objects.exists():
        for who, platform, handle, level, via, tool, days, note in DEMO_GRANTS:
            person = people.get(who) or User.objects.filter(email=_login_email(who)).first()
            account = BrandAccount.objects.filter(platform=platform, handle__iexact=handle).first()
            if person is None or account is None or not person.is_active:
                continue
            access_grant_create(
                actor=admin,
                person=person,
                account=account,
                level=level,
                via=via,
                tool=tool,
                note=note,
                granted_at=now - timedelta(days=days),
                granted_by=admin,
            )
            created["grants"] += 1

    jules = people["jules"]
    if not OffboardingCase.objects.filter(person=jules).exists():
        departure = now - timedelta(hours=20)
        case, _created = offboarding_case_open(
            actor=hr,
            person=jules,
            departure_at=departure,
            note="Last day on the 12th. Laptop returned; Hootsuite seat to be reassigned to Chloé.",
        )
        created["cases"] += 1
        seat = case.tasks.filter(grant__tool="Hootsuite", status=TaskStatus.OPEN).first()
        if seat is not None:
            offboarding_task_complete(
                actor=hr,
                task=seat,
                evidence=(
                    "Removed Jules from the Hootsuite team 'Lumora Social' (Admin > Members). "
                    "Checked: his seat shows as unassigned and the audit log lists the removal."
                ),
            )
    return created
