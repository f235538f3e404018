"""The settings pages: admins use them, everyone else gets 403; bad input shows an error."""

from datetime import time, timedelta

import pytest
from django.urls import reverse

from accounts.roles import Role
from inbox.models import Holiday, ReplyTemplate, SlaTarget, TeamHours
from monitoring.models import Priority
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.inbox.factories import ReplyTemplateFactory, TeamHoursFactory
from tests.workspace.factories import HolidayFactory, SlaTargetFactory
from workspace import selectors

pytestmark = pytest.mark.django_db

NOT_ADMINS = [Role.SOCIAL, Role.LEGAL, Role.HR, Role.MANAGER, NO_ROLE]


@pytest.fixture
def objects():
    team = TeamFactory(name="Support")
    return {
        "team": team,
        "target": SlaTarget.objects.get(team=None, priority=Priority.NORMAL),
        "holiday": HolidayFactory(team=team),
        "template": ReplyTemplateFactory(),
    }


def page_urls(objects) -> list[str]:
    return [
        reverse("workspace_hub"),
        reverse("workspace_organisation"),
        reverse("workspace_sla_list"),
        reverse("workspace_sla_create"),
        reverse("workspace_sla_edit", args=[objects["target"].pk]),
        reverse("workspace_hours"),
        reverse("workspace_hours_form", args=[objects["team"].pk]),
        reverse("workspace_templates"),
        reverse("workspace_template_create"),
        reverse("workspace_template_edit", args=[objects["template"].pk]),
    ]


def post_urls(objects) -> list[str]:
    return [
        reverse("workspace_organisation"),
        reverse("workspace_sla_create"),
        reverse("workspace_sla_edit", args=[objects["target"].pk]),
        reverse("workspace_sla_delete", args=[objects["target"].pk]),
        reverse("workspace_hours_form", args=[objects["team"].pk]),
        reverse("workspace_hours_clear", args=[objects["team"].pk]),
        reverse("workspace_holiday_delete", args=[objects["holiday"].pk]),
        reverse("workspace_template_create"),
        reverse("workspace_template_edit", args=[objects["template"].pk]),
        reverse("workspace_template_active", args=[objects["template"].pk]),
        reverse("workspace_template_preview"),
    ]


def test_admin_sees_every_page(client_for, objects):
    client = client_for(Role.ADMIN)
    for url in page_urls(objects):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_others_get_403_on_every_page_and_write(client_for, objects, role):
    client = client_for(role)
    for url in page_urls(objects):
        assert client.get(url).status_code == 403, url
    for url in post_urls(objects):
        assert client.post(url, {"form": "hours", "body": "x"}).status_code == 403, url
    assert SlaTarget.objects.filter(pk=objects["target"].pk).exists()
    assert Holiday.objects.filter(pk=objects["holiday"].pk).exists()
    assert not AuditEvent.objects.exists()


def test_anonymous_is_sent_to_sign_in(client_for, objects):
    response = client_for(ANONYMOUS).get(reverse("workspace_hub"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_settings_link_and_hub_sections(client_for):
    admin = client_for(Role.ADMIN).get("/").content.decode()
    assert 'href="/settings/"' in admin
    hub = client_for(Role.ADMIN).get("/settings/").content.decode()
    for title in ("Organisation", "SLA targets", "Business hours", "Reply templates"):
        assert title in hub
    social = client_for(Role.SOCIAL).get("/").content.decode()
    assert 'href="/settings/"' not in social


def test_hub_shows_only_the_sections_a_person_may_use(user_for, monkeypatch):
    from workspace.sections import SECTIONS, Section

    monkeypatch.setattr(
        selectors, "SECTIONS", [*SECTIONS, Section("Streams", "stream_list", "stream.view")]
    )
    assert [s.title for s in selectors.sections_for(user_for(Role.SOCIAL))] == ["Streams"]
    assert len(selectors.sections_for(user_for(Role.ADMIN))) == len(SECTIONS) + 1


def test_sla_target_pages(client_for):
    client = client_for(Role.ADMIN)
    listing = client.get(reverse("workspace_sla_list")).content.decode()
    assert "2 h" in listing
    assert "3 d" in listing
    assert "30 min" in listing
    assert "0:30:00" not in listing
    assert "1 day, 0:00:00" not in listing
    team = TeamFactory(name="Support")
    response = client.post(
        reverse("workspace_sla_create"),
        {
            "team": team.pk,
            "priority": Priority.HIGH,
            "first_response": "45 min",
            "resolution": "1 d 4 h",
        },
    )
    assert response.status_code == 302
    target = SlaTarget.objects.get(team=team)
    assert (target.first_response, target.resolution) == (
        timedelta(minutes=45),
        timedelta(hours=28),
    )
    edit = client.get(reverse("workspace_sla_edit", args=[target.pk])).content.decode()
    assert 'value="45 min"' in edit
    assert 'value="1 d 4 h"' in edit
    client.post(reverse("workspace_sla_delete", args=[target.pk]))
    assert not SlaTarget.objects.filter(pk=target.pk).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first_response": "soon", "resolution": "1 d"}, "is not a duration"),
        ({"first_response": "0 min", "resolution": "1 d"}, "longer than zero"),
        ({"first_response": "-2 h", "resolution": "1 d"}, "longer than zero"),
        ({"first_response": "2 h", "resolution": "1 h"}, "before the first response"),
        ({"first_response": "2 h", "resolution": "1 d", "team": ""}, "already a default target"),
    ],
)
def test_sla_target_form_errors(client_for, data, message):
    form = {"priority": Priority.NORMAL, "team": TeamFactory().pk, **data}
    response = client_for(Role.ADMIN).post(reverse("workspace_sla_create"), form)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_hours_page(client_for, admin_user):
    from workspace.services import organisation_update

    organisation_update(
        actor=admin_user, brand_name="Lumora", timezone="Asia/Tokyo", languages=["en"]
    )
    team = TeamFactory()
    client = client_for(Role.ADMIN)
    page = client.get(reverse("workspace_hours_form", args=[team.pk])).content.decode()
    assert 'value="Asia/Tokyo"' in page  # the organisation's time zone by default
    url = reverse("workspace_hours_form", args=[team.pk])
    bad = client.post(
        url,
        {
            "form": "hours",
            "timezone": "Asia/Tokyo",
            "weekdays": [0],
            "opens": "18:00",
            "closes": "09:00",
        },
    )
    assert "must close after it opens" in bad.content.decode()
    bad = client.post(
        url,
        {
            "form": "hours",
            "timezone": "Nowhere/Land",
            "weekdays": [0],
            "opens": "09:00",
            "closes": "17:00",
        },
    )
    assert "is not a time zone" in bad.content.decode()
    assert not TeamHours.objects.filter(team=team).exists()
    client.post(
        url,
        {
            "form": "hours",
            "timezone": "Asia/Tokyo",
            "weekdays": [0, 2],
            "opens": "09:00",
            "closes": "17:30",
        },
    )
    hours = TeamHours.objects.get(team=team)
    assert (hours.weekdays, hours.closes) == ([0, 2], time(17, 30))
    client.post(url, {"form": "holiday", "date": "2026-12-25", "name": "Christmas"})
    again = client.post(url, {"form": "holiday", "date": "2026-12-25", "name": "Christmas"})
    assert "already has a holiday" in again.content.decode()
    assert Holiday.objects.filter(team=team).count() == 1
    client.post(reverse("workspace_hours_clear", args=[team.pk]))
    assert not TeamHours.objects.filter(team=team).exists()


def test_hours_list_query_count_does_not_grow(client_for, django_assert_max_num_queries):
    client = client_for(Role.ADMIN)
    client.get(reverse("workspace_hours"))
    for _ in range(5):
        team = TeamFactory()
        TeamHoursFactory(team=team)
        HolidayFactory(team=team)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("workspace_hours")).status_code == 200


def test_reply_template_pages_and_preview(client_for):
    client = client_for(Role.ADMIN)
    response = client.post(
        reverse("workspace_template_create"),
        {
            "name": "Sorry",
            "situation": "Complaint",
            "language": "fr",
            "body": "Désolés {author} ({case}) — {brand}",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    template = ReplyTemplate.objects.get(name="Sorry")
    listing = client.get(reverse("workspace_templates") + "?language=fr").content.decode()
    assert "Sorry" in listing
    client.post(reverse("workspace_template_active", args=[template.pk]), {"active": "0"})
    template.refresh_from_db()
    assert not template.is_active
    bad = client.post(
        reverse("workspace_template_create"), {"name": "X", "language": "en", "body": "Hi {nom}"}
    )
    assert "Unknown variables" in bad.content.decode()
    preview = client.post(
        reverse("workspace_template_preview"),
        {"body": "Hi {author} <script>alert(1)</script> {case}"},
    ).content.decode()
    assert "Hi @sample_customer &lt;script&gt;alert(1)&lt;/script&gt; RD-1042" in preview
    assert "<script>" not in preview
    broken = client.post(
        reverse("workspace_template_preview"), {"body": "Hi {author"}
    ).content.decode()
    assert "Unbalanced braces" in broken


def test_organisation_page_and_logo(client_for, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    out = io.BytesIO()
    Image.new("RGB", (30, 30), (0, 90, 200)).save(out, "PNG")
    client = client_for(Role.ADMIN)
    response = client.post(
        reverse("workspace_organisation"),
        {"brand_name": "Northwind <b>", "timezone": "Europe/Berlin", "languages": ["en", "de"],
         "logo": SimpleUploadedFile("logo.png", out.getvalue())},
    )  # fmt: skip
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "Northwind &lt;b&gt;" in home
    assert "/settings/organisation/logo/" in home
    logo = client.get(reverse("workspace_logo"))
    assert logo["Content-Type"] == "image/png"
    assert "sandbox" in logo["Content-Security-Policy"]
    svg = SimpleUploadedFile(
        "logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"
    )
    bad = client.post(
        reverse("workspace_organisation"),
        {"brand_name": "N", "timezone": "Europe/Berlin", "languages": ["en"], "logo": svg},
    )
    assert "must be a PNG, JPEG, GIF or WebP" in bad.content.decode()
    bad = client.post(
        reverse("workspace_organisation"),
        {"brand_name": "N", "timezone": "Mars/Base", "languages": ["en"]},
    )
    assert "is not a time zone" in bad.content.decode()


def test_sla_report_shows_durations_as_people_write_them(client_for):
    SlaTargetFactory(team=TeamFactory(name="Legal desk"), first_response=timedelta(minutes=90))
    page = client_for(Role.ADMIN).get(reverse("sla_report")).content.decode()
    assert "1 h 30 min" in page
    assert "Legal desk" in page
    assert "30 min" in page
    assert "0:30:00" not in page
    assert "1 day, 0:00:00" not in page
