"""`manage.py seed_demo`: the demo organisation, idempotent, never in production."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.demo import DEMO_PEOPLE, DEMO_TEAMS, demo_email
from accounts.models import Team, TeamMembership, User
from compliance.models import SponsoredPost
from incidents.models import Incident
from monitoring.models import Stream
from offboarding.models import AccessGrant, OffboardingCase
from policies.models import Policy, PolicyRevision
from riskdesk.models import AuditEvent

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            *(User, Team, TeamMembership, Group, AuditEvent, Stream),
            *(Policy, PolicyRevision, SponsoredPost, AccessGrant, OffboardingCase, Incident),
        )
    }


def test_seed_demo_twice_changes_nothing_the_second_time():
    first_output = seed()
    after_first = counts()
    passwords = dict(User.objects.values_list("email", "password"))

    second_output = seed()

    assert counts() == after_first
    assert dict(User.objects.values_list("email", "password")) == passwords
    assert "Demo people and teams ready (7 teams, 5 people created)." in first_output
    assert "Demo monitoring ready (2 streams created)." in first_output
    assert after_first["Policy"]
    assert after_first["SponsoredPost"]
    assert after_first["AccessGrant"]
    assert after_first["Incident"]
    assert re.findall(r"\d+", second_output.split("Demo sign-ins")[0]) == ["0"] * len(
        re.findall(r"\d+", first_output.split("Demo sign-ins")[0])
    )


def test_seed_demo_creates_the_demo_stream_on_the_demo_network(settings):
    seed()
    stream = Stream.objects.get(is_competitor=False)
    assert Stream.objects.filter(is_competitor=True, enabled=False).count() == 1
    assert stream.connector == "mastodon"
    assert stream.base_url == settings.MONITORING_DEMO_NETWORK_URL
    assert stream.options == {"hashtag": "lumora"}
    assert stream.enabled
    assert stream.team.slug == "social"


def test_seed_demo_creates_one_person_per_role_and_the_teams():
    seed()

    assert Team.objects.count() == len(DEMO_TEAMS)
    for login, display_name, role, team_slugs, is_lead in DEMO_PEOPLE:
        person = User.objects.get(email=demo_email(login))
        assert person.display_name == display_name
        assert person.roles == [role]
        assert sorted(person.teams.values_list("slug", flat=True)) == sorted(team_slugs)
        assert all(m.is_lead == is_lead for m in person.team_memberships.all())


@pytest.mark.parametrize("login", [person[0] for person in DEMO_PEOPLE])
def test_each_demo_person_signs_in_with_the_demo_password(settings, login):
    settings.RISKDESK_DEMO_PASSWORD = "a-demo-password-for-tests"
    seed()
    client = Client()

    response = client.post(
        "/login/", {"username": demo_email(login), "password": "a-demo-password-for-tests"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_seed_demo_repairs_a_changed_demo_password(settings):
    seed()
    admin = User.objects.get(email=demo_email("admin"))
    admin.set_password("someone-changed-it")
    admin.save()

    seed()

    admin.refresh_from_db()
    assert admin.check_password(settings.RISKDESK_DEMO_PASSWORD)


def test_seed_demo_prints_the_demo_sign_ins():
    output = seed()

    for login, *_rest in DEMO_PEOPLE:
        assert demo_email(login) in output


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        seed()

    assert not User.objects.exists()
