"""The workspace's services: permission first, clear errors on bad input, audited changes."""

import io
from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.roles import Role
from inbox.models import Holiday, ReplyTemplate, SlaTarget, TeamHours
from monitoring.models import Priority
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.inbox.factories import ReplyTemplateFactory
from tests.workspace.factories import HolidayFactory, SlaTargetFactory
from workspace import selectors, services
from workspace.models import Organisation

pytestmark = pytest.mark.django_db

NOT_ADMINS = [Role.SOCIAL, Role.LEGAL, Role.HR, Role.MANAGER, "no-role"]


def png(size=(40, 20), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


def org_update(actor, **changes):
    fields = {"brand_name": "Lumora", "timezone": "Europe/Paris", "languages": ["en", "fr"]}
    return services.organisation_update(actor=actor, **(fields | changes))


# --- Organisation ------------------------------------------------------------------------


def test_the_organisation_starts_from_the_environment(settings):
    settings.RISKDESK_BRAND_NAME = "Acme"
    org = selectors.organisation()
    assert org.pk == 1
    assert org.brand_name == "Acme"
    assert org.languages == ["en", "fr"]
    assert not Organisation.objects.exists()  # the defaults, until an admin saves them


def test_organisation_update_is_audited_and_used_by_reply_templates(admin_user):
    from inbox.services import template_render
    from tests.monitoring.factories import MentionFactory

    org_update(
        admin_user, brand_name="Northwind", timezone="America/New_York", languages=["en", "de"]
    )
    assert Organisation.objects.count() == 1
    org = selectors.organisation()
    assert (org.brand_name, org.timezone, org.languages) == (
        "Northwind",
        "America/New_York",
        ["en", "de"],
    )
    event = AuditEvent.objects.get(verb="organisation.update")
    assert event.before["brand_name"] != "Northwind"
    assert event.after["brand_name"] == "Northwind"
    template = ReplyTemplateFactory(body="— The {brand} team")
    assert template_render(template, MentionFactory()) == "— The Northwind team"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"brand_name": "  "}, "brand_name"),
        ({"languages": []}, "languages"),
        ({"languages": ["xx"]}, "languages"),
    ],
)
def test_organisation_bad_input(admin_user, changes, field):
    with pytest.raises(ValidationError) as caught:
        org_update(admin_user, **changes)
    assert field in caught.value.message_dict
    assert not AuditEvent.objects.filter(verb="organisation.update").exists()


def test_logo_is_redrawn_as_png(admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    org_update(admin_user, logo=SimpleUploadedFile("logo.jpg", png((2000, 1000), "JPEG")))
    org = Organisation.objects.get()
    assert org.logo.name.endswith(".png")
    with Image.open(org.logo.path) as image:
        assert image.format == "PNG"
        assert max(image.size) == services.LOGO_SIDE
    org_update(admin_user, remove_logo=True)
    assert not Organisation.objects.get().logo


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile(
            "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        ),
        SimpleUploadedFile("logo.png", b"not an image at all"),
        SimpleUploadedFile("logo.png", b"%PDF-1.4 hello"),
        SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10)),
    ],
    ids=["svg", "text", "pdf", "oversize"],
)
def test_logo_refused(admin_user, settings, tmp_path, upload):
    settings.MEDIA_ROOT = tmp_path
    org_update(admin_user, brand_name="Before")
    with pytest.raises(ValidationError) as caught:
        org_update(admin_user, logo=upload)
    assert "logo" in caught.value.message_dict
    org = Organisation.objects.get()
    assert (org.brand_name, org.logo.name) == ("Before", "")  # nothing half-written


def test_logo_of_too_many_pixels_is_refused(admin_user, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(services, "LOGO_MAX_PIXELS", 100)
    with pytest.raises(ValidationError, match="pixels"):
        org_update(admin_user, logo=SimpleUploadedFile("l.png", png((20, 20))))


# --- Permissions -------------------------------------------------------------------------


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_admins_change_settings(user_for, role):
    user = user_for(role)
    team = TeamFactory()
    normal = SlaTarget.objects.get(team=None, priority=Priority.NORMAL)
    template = ReplyTemplateFactory()
    holiday = HolidayFactory(team=team)
    calls = [
        lambda: org_update(user),
        lambda: services.sla_target_create(
            actor=user,
            team=team,
            priority=Priority.LOW,
            first_response=timedelta(hours=1),
            resolution=timedelta(hours=2),
        ),
        lambda: services.sla_target_update(actor=user, target=normal, business_hours=False),
        lambda: services.sla_target_delete(actor=user, target=normal),
        lambda: services.team_hours_set(
            actor=user, team=team, timezone="UTC", weekdays=[0], opens=time(9), closes=time(17)
        ),
        lambda: services.team_hours_clear(actor=user, team=team),
        lambda: services.holiday_add(
            actor=user, team=team, date=holiday.date.replace(day=2), name="x"
        ),
        lambda: services.holiday_delete(actor=user, holiday=holiday),
        lambda: services.reply_template_create(actor=user, name="x", language="en", body="Hi"),
        lambda: services.reply_template_update(actor=user, template=template, is_active=False),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert not AuditEvent.objects.exists()
    assert SlaTarget.objects.filter(pk=normal.pk).exists()


# --- SLA targets -------------------------------------------------------------------------


def test_sla_target_crud_is_audited(admin_user):
    team = TeamFactory()
    target = services.sla_target_create(
        actor=admin_user, team=team, priority=Priority.HIGH,
        first_response=timedelta(minutes=15), resolution=timedelta(hours=8),
    )  # fmt: skip
    services.sla_target_update(
        actor=admin_user, target=target, first_response=timedelta(minutes=90)
    )
    services.sla_target_delete(actor=admin_user, target=target)
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))
    assert verbs == ["sla_target.create", "sla_target.update", "sla_target.delete"]
    update = AuditEvent.objects.get(verb="sla_target.update")
    assert (update.before["first_response"], update.after["first_response"]) == (
        "15 min",
        "1 h 30 min",
    )


def test_duplicate_team_and_priority_is_refused(admin_user):
    team = TeamFactory()
    SlaTargetFactory(team=team, priority=Priority.HIGH)
    with pytest.raises(ValidationError) as caught:
        services.sla_target_create(
            actor=admin_user, team=team, priority=Priority.HIGH,
            first_response=timedelta(hours=1), resolution=timedelta(hours=2),
        )  # fmt: skip
    assert "already has a target" in caught.value.message_dict["priority"][0]


def test_duplicate_default_is_refused(admin_user):
    with pytest.raises(ValidationError) as caught:
        services.sla_target_create(
            actor=admin_user, team=None, priority=Priority.NORMAL,
            first_response=timedelta(hours=1), resolution=timedelta(hours=2),
        )  # fmt: skip
    assert "already a default target" in caught.value.message_dict["priority"][0]


def test_the_database_refuses_a_second_default_too():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SlaTarget.objects.create(
            team=None, priority=Priority.NORMAL, first_response=timedelta(hours=1),
            resolution=timedelta(hours=2),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("first", "resolution", "field"),
    [
        (timedelta(0), timedelta(hours=1), "first_response"),
        (timedelta(minutes=-5), timedelta(hours=1), "first_response"),
        (timedelta(hours=2), timedelta(hours=1), "resolution"),
    ],
)
def test_sla_target_bad_durations(admin_user, first, resolution, field):
    with pytest.raises(ValidationError) as caught:
        services.sla_target_create(
            actor=admin_user, team=TeamFactory(), priority=Priority.LOW,
            first_response=first, resolution=resolution,
        )  # fmt: skip
    assert field in caught.value.message_dict


# --- Hours and holidays ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"opens": time(18), "closes": time(9)}, "closes"),
        ({"opens": time(9), "closes": time(9)}, "closes"),
        ({"timezone": "Europe/Nowhere"}, "timezone"),
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [7]}, "weekdays"),
    ],
)
def test_team_hours_bad_input(admin_user, changes, field):
    fields = {"timezone": "Europe/Paris", "weekdays": [0, 1], "opens": time(9), "closes": time(17)}
    with pytest.raises(ValidationError) as caught:
        services.team_hours_set(actor=admin_user, team=TeamFactory(), **(fields | changes))
    assert field in caught.value.message_dict
    assert not TeamHours.objects.exists()


def test_team_hours_set_replaces_and_audits(admin_user):
    team = TeamFactory()
    services.team_hours_set(
        actor=admin_user, team=team, timezone="Europe/Paris", weekdays=[4, 0, 0],
        opens=time(9), closes=time(17),
    )  # fmt: skip
    services.team_hours_set(
        actor=admin_user, team=team, timezone="Europe/London", weekdays=[0],
        opens=time(8), closes=time(16),
    )  # fmt: skip
    hours = TeamHours.objects.get(team=team)
    assert (hours.timezone, hours.weekdays) == ("Europe/London", [0])
    events = AuditEvent.objects.filter(verb="team_hours.set").order_by("pk")
    assert events[0].after["weekdays"] == [0, 4]
    assert events[1].before["opens"] == "09:00"
    assert events[1].after["opens"] == "08:00"


def test_holiday_twice_is_refused(admin_user):
    holiday = HolidayFactory()
    with pytest.raises(ValidationError) as caught:
        services.holiday_add(actor=admin_user, team=holiday.team, date=holiday.date, name="Again")
    assert "date" in caught.value.message_dict
    services.holiday_delete(actor=admin_user, holiday=holiday)
    assert not Holiday.objects.exists()
    assert AuditEvent.objects.filter(verb="holiday.delete").exists()


# --- Reply templates ---------------------------------------------------------------------


def test_reply_template_create_update_deactivate(admin_user):
    template = services.reply_template_create(
        actor=admin_user, name="Sorry", language="fr", body="Désolés {author} — {brand}"
    )
    services.reply_template_update(actor=admin_user, template=template, body="Pardon {author}")
    services.reply_template_update(actor=admin_user, template=template, is_active=False)
    template.refresh_from_db()
    assert (template.body, template.is_active) == ("Pardon {author}", False)
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))
    assert verbs == ["reply_template.create", "reply_template.update", "reply_template.deactivate"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"body": "Hi {name}"}, "body"),
        ({"body": "Hi {author"}, "body"),
        ({"body": "Hi {author:>999999999}"}, "body"),
        ({"body": "Hi {author!r}"}, "body"),
        ({"body": "Hi {author.__class__}"}, "body"),
        ({"body": "   "}, "body"),
        ({"language": "de"}, "language"),
        ({"name": ""}, "name"),
    ],
)
def test_reply_template_bad_input(admin_user, changes, field):
    fields = {"name": "Hello", "language": "en", "body": "Hi {author}"}
    with pytest.raises(ValidationError) as caught:
        services.reply_template_create(actor=admin_user, **(fields | changes))
    assert field in caught.value.message_dict


def test_reply_template_same_name_and_language_is_refused(admin_user):
    ReplyTemplateFactory(name="Hello", language="en")
    with pytest.raises(ValidationError) as caught:
        services.reply_template_create(actor=admin_user, name="Hello", language="en", body="Hi")
    assert "name" in caught.value.message_dict
    assert ReplyTemplate.objects.filter(name="Hello").count() == 1
