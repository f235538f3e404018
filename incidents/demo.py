"""The demo organisation's incident (seed_demo): the lookalike-account crisis, running.

A SEV2 impersonation incident led by the demo manager, with every role held, linked to
the demo stream's impersonation mentions if any are stored yet (the demo network posts
them during its scripted day), and a holding statement waiting for legal.
"""

from django.db import transaction

from accounts.demo import demo_email
from accounts.models import User
from incidents.models import HoldingStatement, Incident, IncidentRole, Playbook, Scenario, Severity
from incidents.services import incident_assign_role, incident_change_status, incident_declare
from incidents.services.playbooks import playbooks_seed
from incidents.services.statements import statement_create, statement_submit
from monitoring.models import Mention

DEMO_TITLE = "Lookalike “Lumora Official” account promises free Brews"
DEMO_SUMMARY = (
    "A new account, @lumora_officiaI (capital i instead of l), with our logo and a fake "
    "verified tick, announces a free Lumora Brew for the first 500 people who pay shipping "
    "on lumora-brew-gift.example. Replies show customers entering card details. A second "
    "lookalike, @1umora_support, answers complaints and asks people to DM their order "
    "details."
)
DEMO_STATEMENT_TITLE = "Warning about fake Lumora accounts"
DEMO_STATEMENT = (
    "Heads up: @lumora_officiaI and @1umora_support are not Lumora. We are not giving away "
    "Brews and we never ask for card details or payment in replies or direct messages. "
    "Please don't click their links, and report the accounts. If you entered your card "
    "details, contact your bank and write to us via lumora.example/support: we will help. "
    "Our only accounts are @lumora and @lumora_support."
)
# (role, demo login)
DEMO_ROLES = [
    (IncidentRole.LEGAL, "legal"),
    (IncidentRole.COMMUNICATIONS, "manager"),
    (IncidentRole.SECURITY, "admin"),
    (IncidentRole.SOCIAL_LEAD, "social"),
    (IncidentRole.CUSTOMER_SERVICE, "social"),
]
MENTIONS_LINKED = 10


@transaction.atomic
def seed_incidents() -> dict[str, int]:
    """Create the demo incident if it is missing (idempotent)."""
    created = {"playbooks": playbooks_seed(), "incidents": 0, "statements": 0}
    if Incident.objects.filter(title=DEMO_TITLE).exists():
        return created
    people = {
        login: User.objects.filter(email=demo_email(login)).first()
        for login in {"manager", "legal", "admin", "social"}
    }
    lead = people["manager"]
    if lead is None:
        return created  # the demo people come first (accounts.demo)
    mentions = list(
        Mention.objects.filter(impersonates__isnull=False)
        .order_by("-risk_score", "-published_at")
        .values_list("pk", flat=True)[:MENTIONS_LINKED]
    )
    incident = incident_declare(
        actor=lead,
        title=DEMO_TITLE,
        summary=DEMO_SUMMARY,
        severity=Severity.SEV2,
        playbook=Playbook.objects.filter(scenario=Scenario.IMPERSONATION, is_active=True).first(),
        lead=lead,
        mentions=mentions,
    )
    created["incidents"] += 1
    for role, login in DEMO_ROLES:
        if people.get(login) is not None:
            incident_assign_role(actor=lead, incident=incident, role=role, person=people[login])
    incident_change_status(actor=lead, incident=incident, status="investigating")
    statement = statement_create(
        actor=lead,
        incident=incident,
        title=DEMO_STATEMENT_TITLE,
        channel="Pinned post on @lumora (Mastodon and X), then replies under the fake posts",
        text=DEMO_STATEMENT,
    )
    statement_submit(actor=lead, statement=statement)
    created["statements"] += HoldingStatement.objects.filter(pk=statement.pk).count()
    return created
