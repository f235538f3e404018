"""The publishing pages: calendar, post form and preview, post page, held posts."""

from datetime import date, datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import PublishingFreeze
from publishing.models import BrandPost, HoldReason, LegalRule, PostStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.compliance.factories import approve, submitted_post
from tests.incidents.factories import IncidentFactory
from tests.publishing.factories import BrandPostFactory, DeliveryFactory

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 14, minute: int = 30) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def soon(days: int = 10) -> date:
    return timezone.localdate() + timedelta(days=days)


def scheduled(account, day: date, **fields) -> BrandPost:
    post = BrandPostFactory(scheduled_at=at(day), **fields)
    DeliveryFactory(post=post, account=account)
    return post


def form_data(account, **overrides) -> dict:
    data = {
        "title": "Brew 3.2",
        "text": "The Lumora Brew 3.2 update is out.",
        "link": "https://lumora.example/brew",
        "accounts": [account.pk],
        "scheduled_at": at(soon(3)).strftime("%Y-%m-%dT%H:%M"),
        "markets": ["US"],
        "action": "draft",
    }
    data.update(overrides)
    return data


# --- The calendar ------------------------------------------------------------------------------


def test_the_month_shows_each_post_on_its_day(client_for, mastodon_account):
    day = soon(40)
    post = scheduled(mastodon_account, day, title="Launch day")
    other = scheduled(mastodon_account, day + timedelta(days=1), title="Day after")
    response = client_for("social").get(reverse("publishing_calendar"), {"date": day.isoformat()})
    assert response.status_code == 200
    weeks = response.context["weeks"]
    cells = {cell["date"]: cell["posts"] for week in weeks for cell in week}
    assert cells[day] == [post]
    assert cells[day + timedelta(days=1)] == [other]
    assert all(len(week) == 7 for week in weeks)
    assert weeks[0][0]["date"].weekday() == 0
    html = response.content.decode()
    assert "Launch day" in html
    assert "14:30" in html
    assert "Scheduled" in html
    assert "Mastodon" in html
    assert f'data-day="{day.isoformat()}"' in html


def test_the_week_view_shows_seven_days(client_for, mastodon_account):
    day = soon(40)
    post = scheduled(mastodon_account, day, title="In this week")
    scheduled(mastodon_account, day + timedelta(days=8), title="Next week's")
    response = client_for("social").get(
        reverse("publishing_calendar"), {"view": "week", "date": day.isoformat()}
    )
    days = [cell for week in response.context["weeks"] for cell in week]
    assert len(days) == 7
    assert days[0]["date"] == day - timedelta(days=day.weekday())
    assert post in days[day.weekday()]["posts"]
    assert "Next week&#x27;s" not in response.content.decode()


def test_the_side_panel_lists_drafts_without_time_and_held_posts(client_for, mastodon_account):
    incident = IncidentFactory()
    freeze = PublishingFreeze.objects.create(incident=incident, reason="Recall")
    BrandPostFactory(title="Undated idea", status=PostStatus.DRAFT, scheduled_at=None)
    BrandPostFactory(
        title="Stopped one",
        status=PostStatus.HELD,
        held_reason=HoldReason.FROZEN,
        held_freeze=freeze,
    )
    html = client_for("social").get(reverse("publishing_calendar")).content.decode()
    assert "Undated idea" in html
    assert "Stopped one" in html
    assert "Publishing is frozen by an incident" in html
    assert reverse("incident_detail", args=[incident.pk]) in html
    assert "Publishing is frozen." in html


def test_a_post_that_needs_legal_says_so_on_the_calendar(client_for, mastodon_account):
    day = soon(40)
    scheduled(mastodon_account, day, title="Sponsored", sponsored=True, legal_reasons=["sponsored"])
    html = (
        client_for("legal")
        .get(reverse("publishing_calendar"), {"date": day.isoformat()})
        .content.decode()
    )
    assert "Needs legal: not sent to legal yet" in html


@pytest.mark.parametrize("role", ["legal", "manager", "admin"])
def test_readers_see_the_pages_but_cannot_write(client_for, role, mastodon_account):
    post = scheduled(mastodon_account, soon(5))
    client = client_for(role)
    html = client.get(reverse("publishing_calendar")).content.decode()
    assert "New post" not in html
    assert "data-movable" not in html
    assert client.get(reverse("publishing_post", args=[post.pk])).status_code == 200
    assert client.get(reverse("publishing_held")).status_code == 200
    assert client.get(reverse("publishing_post_create")).status_code == 403
    assert client.get(reverse("publishing_post_edit", args=[post.pk])).status_code == 403
    for name, data in [
        ("publishing_post_move", {"date": soon(6).isoformat(), "version": post.version}),
        ("publishing_post_schedule", {}),
        ("publishing_post_unschedule", {}),
        ("publishing_post_release", {"decision": "drop"}),
    ]:
        assert client.post(reverse(name, args=[post.pk]), data).status_code == 403
    assert (
        client.post(reverse("publishing_post_create"), form_data(mastodon_account)).status_code
        == 403
    )
    assert client.post(reverse("publishing_preview"), {"text": "x"}).status_code == 403


@pytest.mark.parametrize("role", ["hr", "no-role"])
def test_others_do_not_see_the_calendar(client_for, role):
    assert client_for(role).get(reverse("publishing_calendar")).status_code == 403


def test_the_calendar_is_in_the_menu_of_those_who_see_it(client_for):
    urls = lambda role: {i["url"] for i in client_for(role).get("/").context["nav_items"]}  # noqa: E731
    assert reverse("publishing_calendar") in urls("social")
    assert reverse("publishing_calendar") in urls("legal")
    assert reverse("publishing_calendar") not in urls("hr")


# --- Write --------------------------------------------------------------------------------------


def test_the_social_team_saves_a_draft(client_for, mastodon_account, social_user):
    response = client_for("social").post(
        reverse("publishing_post_create"), form_data(mastodon_account)
    )
    post = BrandPost.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("publishing_post", args=[post.pk])
    assert post.status == PostStatus.DRAFT
    assert post.author == social_user
    assert list(post.deliveries.values_list("account", flat=True)) == [mastodon_account.pk]


def test_the_social_team_schedules_a_post(client_for, mastodon_account):
    client_for("social").post(
        reverse("publishing_post_create"), form_data(mastodon_account, action="schedule")
    )
    post = BrandPost.objects.get()
    assert post.status == PostStatus.SCHEDULED
    assert post.scheduled_at == at(soon(3))


def test_the_form_prefills_the_day_and_lists_only_usable_accounts(
    client_for, mastodon_account, brand_account
):
    other = brand_account("mastodon", "elsewhere")  # nobody is on its list
    response = client_for("social").get(
        reverse("publishing_post_create"), {"date": soon(4).isoformat()}
    )
    html = response.content.decode()
    assert soon(4).isoformat() + "T10:00" in html
    assert mastodon_account.name in html
    assert other.name not in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"scheduled_at": "2020-01-01T10:00", "action": "schedule"},
            "scheduled_at",
            "Choose a time in the future.",
        ),
        ({"title": ""}, "title", "This field is required."),
        ({"accounts": []}, "accounts", "Choose at least one account to publish as."),
    ],
)
def test_the_form_shows_what_is_wrong(client_for, mastodon_account, overrides, field, message):
    response = client_for("social").post(
        reverse("publishing_post_create"), form_data(mastodon_account, **overrides)
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert not BrandPost.objects.exists()


def test_an_account_the_person_may_not_use_is_refused(client_for, brand_account, social_user):
    mine = brand_account("mastodon", "mine", people=[social_user])
    other = brand_account("mastodon", "theirs")
    response = client_for("social").post(
        reverse("publishing_post_create"), form_data(mine, accounts=[mine.pk, other.pk])
    )
    assert response.status_code == 200
    assert "accounts" in response.context["form"].errors
    assert not BrandPost.objects.exists()


def test_a_text_too_long_for_x_is_refused_with_the_count(client_for, x_account):
    response = client_for("social").post(
        reverse("publishing_post_create"), form_data(x_account, text="a" * 300, link="")
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["accounts"])
    assert "280" in errors
    assert "300" in errors
    preview = response.context["preview"]["accounts"][0]
    assert preview["over"]
    assert preview["over_by"] == 20
    assert "20 too many" in response.content.decode()


def test_legal_reasons_are_shown_before_saving(client_for, mastodon_account):
    response = client_for("social").post(
        reverse("publishing_post_create"),
        form_data(mastodon_account, sponsored="on", ask_legal="on", title=""),
    )
    assert response.context["legal"] == ["Sponsored", "Asked for"]
    assert "Legal must approve this post before it goes out" in response.content.decode()


def test_editing_a_post_keeps_its_version_check(client_for, mastodon_account):
    post = scheduled(mastodon_account, soon(5), status=PostStatus.DRAFT)
    client = client_for("social")
    response = client.post(
        reverse("publishing_post_edit", args=[post.pk]),
        form_data(mastodon_account, title="Renamed", version=post.version),
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.title == "Renamed"
    assert post.version == 2
    stale = client.post(
        reverse("publishing_post_edit", args=[post.pk]),
        form_data(mastodon_account, title="Again", version=1),
    )
    assert stale.status_code == 200
    assert "Someone changed this post" in stale.content.decode()


def test_edit_then_schedule_in_one_go(client_for, mastodon_account):
    post = scheduled(mastodon_account, soon(5), status=PostStatus.DRAFT)
    client_for("social").post(
        reverse("publishing_post_edit", args=[post.pk]),
        form_data(mastodon_account, version=post.version, action="schedule"),
    )
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED


# --- The preview ------------------------------------------------------------------------------


def test_the_preview_counts_as_each_network_and_shows_the_link_card(
    client_for, mastodon_account, x_account
):
    text = "Brew 3.2 is out. " * 10
    response = client_for("social").post(
        reverse("publishing_preview"),
        {
            "text": text,
            "link": "https://www.lumora.example/brew?x=1",
            "accounts": [mastodon_account.pk, x_account.pk],
        },
    )
    assert response.status_code == 200
    data = response.json()
    by_network = {item["network_code"]: item for item in data["accounts"]}
    body = text.rstrip() + "\n\nhttps://www.lumora.example/brew?x=1"
    assert by_network["mastodon"]["body"] == body
    assert by_network["mastodon"]["limit"] == 500
    assert by_network["x"]["limit"] == 280
    # X counts every link as 23 characters, Mastodon too.
    assert by_network["x"]["length"] == len(text.rstrip()) + 2 + 23
    assert data["link"] == {"host": "lumora.example", "url": "https://www.lumora.example/brew?x=1"}
    assert "lumora.example" in data["html"]
    assert data["legal"] == []


def test_the_preview_shows_the_fold_on_facebook(client_for, brand_account, social_user):
    page = brand_account("facebook", "lumora_fb", people=[social_user])
    text = "x" * 120 + "FOLD" + "y" * 20
    data = (
        client_for("social")
        .post(reverse("publishing_preview"), {"text": text, "accounts": [page.pk]})
        .json()
    )
    (item,) = data["accounts"]
    assert item["fold"] == {"shown": text[:125], "hidden": text[125:]}
    assert "… more" in data["html"]


def test_the_preview_refuses_accounts_the_person_may_not_use(client_for, brand_account):
    other = brand_account("mastodon", "theirs")
    response = client_for("social").post(
        reverse("publishing_preview"), {"text": "Hi", "accounts": [other.pk]}
    )
    assert response.status_code == 403
    assert response.json()["ok"] is False


def test_the_preview_names_a_regulated_claim(client_for, mastodon_account):
    data = (
        client_for("social")
        .post(
            reverse("publishing_preview"),
            {"text": "Our tea cures cancer.", "accounts": [mastodon_account.pk], "markets": ["US"]},
        )
        .json()
    )
    assert any(reason.startswith("A regulated claim: “cures") for reason in data["legal"])


def test_the_preview_needs_csrf(mastodon_account, social_user):
    from django.test import Client

    from tests.conftest import sign_in

    client = Client(enforce_csrf_checks=True)
    sign_in(client, social_user)
    response = client.post(reverse("publishing_preview"), {"text": "Hi"})
    assert response.status_code == 403


# --- Moving on the calendar --------------------------------------------------------------------


def test_moving_a_post_keeps_its_time_of_day(client_for, mastodon_account):
    post = scheduled(mastodon_account, soon(5))
    response = client_for("social").post(
        reverse("publishing_post_move", args=[post.pk]),
        {"date": soon(6).isoformat(), "version": post.version},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["date"] == soon(6).isoformat()
    post.refresh_from_db()
    assert post.scheduled_at == at(soon(6))
    assert response.json()["version"] == post.version == 2
    assert post.status == PostStatus.SCHEDULED


def test_a_stale_move_is_refused(client_for, mastodon_account):
    post = scheduled(mastodon_account, soon(5))
    response = client_for("social").post(
        reverse("publishing_post_move", args=[post.pk]),
        {"date": soon(6).isoformat(), "version": post.version + 1},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409
    assert "Someone changed this post" in response.json()["error"]
    post.refresh_from_db()
    assert post.scheduled_at == at(soon(5))


def test_a_move_into_the_past_is_refused(client_for, mastodon_account):
    post = scheduled(mastodon_account, soon(1))
    response = client_for("social").post(
        reverse("publishing_post_move", args=[post.pk]),
        {"date": soon(-2).isoformat(), "version": post.version},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "Choose a time in the future." in response.json()["error"]


def test_a_published_post_does_not_move(client_for, mastodon_account):
    post = scheduled(mastodon_account, soon(1), status=PostStatus.PUBLISHED)
    response = client_for("social").post(
        reverse("publishing_post_move", args=[post.pk]),
        {"date": soon(2).isoformat(), "version": post.version},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.scheduled_at == at(soon(1))


def test_the_post_page_reschedules_without_javascript(client_for, mastodon_account):
    post = scheduled(mastodon_account, soon(5))
    client = client_for("social")
    assert (
        'type="datetime-local"'
        in client.get(reverse("publishing_post", args=[post.pk])).content.decode()
    )
    client.post(
        reverse("publishing_post_reschedule", args=[post.pk]),
        {"when": at(soon(7), 9, 15).strftime("%Y-%m-%dT%H:%M"), "version": post.version},
    )
    post.refresh_from_db()
    assert post.scheduled_at == at(soon(7), 9, 15)


# --- The post page -----------------------------------------------------------------------------


def test_the_post_page_shows_deliveries_and_history(client_for, mastodon_account, x_account):
    client = client_for("social")
    client.post(reverse("publishing_post_create"), form_data(mastodon_account, action="schedule"))
    post = BrandPost.objects.get()
    post.deliveries.update(
        state="sent", sent_version=post.version, network_url="https://m.example/1"
    )
    BrandPost.objects.filter(pk=post.pk).update(version=post.version + 1)
    html = client.get(reverse("publishing_post", args=[post.pk])).content.decode()
    assert "See it on the network" in html
    assert "https://m.example/1" in html
    assert f"edited since: version {post.version + 1} was not sent" in html
    assert "Written" in html
    assert "Scheduled" in html


def test_a_failed_delivery_is_sent_again(client_for, mastodon_account, monkeypatch):
    from publishing.services import posts as post_services

    queued = []
    monkeypatch.setattr(post_services, "enqueue", queued.append)
    post = BrandPostFactory(status=PostStatus.FAILED, scheduled_at=at(soon(-1)))
    delivery = DeliveryFactory(post=post, account=mastodon_account, state="failed", error="Boom")
    client = client_for("social")
    html = client.get(reverse("publishing_post", args=[post.pk])).content.decode()
    assert "Boom" in html
    assert "Send again" in html
    response = client.post(reverse("publishing_delivery_retry", args=[post.pk, delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == "queued"
    assert queued == [delivery.pk]
    assert AuditEvent.objects.filter(verb="brand_post.retry").exists()


def test_schedule_and_back_to_draft(client_for, mastodon_account):
    post = scheduled(mastodon_account, soon(5), status=PostStatus.DRAFT)
    client = client_for("social")
    client.post(reverse("publishing_post_schedule", args=[post.pk]))
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    client.post(reverse("publishing_post_unschedule", args=[post.pk]))
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_user_text_is_escaped(client_for, mastodon_account):
    day = soon(5)
    post = scheduled(
        mastodon_account,
        day,
        title="<script>alert(1)</script>",
        text="<script>alert(2)</script>",
    )
    client = client_for("social")
    pages = [
        client.get(reverse("publishing_calendar"), {"date": day.isoformat()}),
        client.get(reverse("publishing_post", args=[post.pk])),
        client.get(reverse("publishing_post_edit", args=[post.pk])),
    ]
    for page in pages:
        html = page.content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)" in html
    data = client.post(
        reverse("publishing_preview"),
        {"text": "<script>alert(3)</script>", "accounts": [mastodon_account.pk]},
    ).json()
    assert "<script>alert" not in data["html"]


# --- Held posts ------------------------------------------------------------------------------


def held_post(account, **fields) -> BrandPost:
    post = BrandPostFactory(
        status=PostStatus.HELD,
        held_reason=HoldReason.FROZEN,
        held_detail="Incident: recall",
        scheduled_at=at(soon(-1)),
        **fields,
    )
    DeliveryFactory(post=post, account=account)
    return post


def test_the_held_page_offers_three_choices(client_for, mastodon_account):
    held_post(mastodon_account, title="Waiting")
    html = client_for("social").get(reverse("publishing_held")).content.decode()
    assert "Waiting" in html
    assert 'value="publish"' in html
    assert 'value="reschedule"' in html
    assert 'value="drop"' in html


@pytest.mark.parametrize("decision", ["reschedule", "drop", "publish"])
def test_releasing_a_held_post(client_for, mastodon_account, decision, monkeypatch):
    from publishing.services import posts as post_services

    monkeypatch.setattr(post_services, "enqueue", lambda _id: None)
    post = held_post(mastodon_account)
    when = at(soon(2), 11, 0)
    response = client_for("social").post(
        reverse("publishing_post_release", args=[post.pk]),
        {
            "decision": decision,
            "when": when.strftime("%Y-%m-%dT%H:%M"),
            "next": reverse("publishing_held"),
        },
    )
    assert response["Location"] == reverse("publishing_held")
    post.refresh_from_db()
    expected = {"reschedule": PostStatus.SCHEDULED, "drop": PostStatus.DROPPED}
    assert post.status == expected.get(decision, PostStatus.SCHEDULED)
    if decision == "reschedule":
        assert post.scheduled_at == when


def test_rescheduling_without_a_time_is_refused(client_for, mastodon_account):
    post = held_post(mastodon_account)
    response = client_for("social").post(
        reverse("publishing_post_release", args=[post.pk]), {"decision": "reschedule"}, follow=True
    )
    assert "Choose the new time." in response.content.decode()
    post.refresh_from_db()
    assert post.status == PostStatus.HELD


def test_lifting_a_freeze_leads_to_the_held_posts(client_for, mastodon_account, manager_user):
    incident = IncidentFactory(lead=manager_user)
    PublishingFreeze.objects.create(incident=incident, reason="Recall")
    held_post(mastodon_account)
    held_post(mastodon_account)
    client = client_for("manager")
    response = client.post(reverse("incident_unfreeze", args=[incident.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("publishing_held")
    page = client.get(response["Location"])
    assert "decide what happens to the 2 held posts" in page.content.decode()


def test_lifting_a_freeze_with_nothing_held_stays_on_the_incident(client_for, manager_user):
    incident = IncidentFactory(lead=manager_user)
    PublishingFreeze.objects.create(incident=incident, reason="Recall")
    response = client_for("manager").post(reverse("incident_unfreeze", args=[incident.pk]))
    assert response["Location"] == reverse("incident_detail", args=[incident.pk])


def test_the_calendar_moves_by_month_and_week(client_for):
    client = client_for("legal")
    month = client.get(reverse("publishing_calendar"), {"date": "2027-01-31"}).context["period"]
    assert month["previous"] == date(2026, 12, 1)
    assert month["next"] == date(2027, 2, 1)
    assert month["start"] == date(2026, 12, 28)  # the Monday before the 1st
    week = client.get(
        reverse("publishing_calendar"), {"view": "week", "date": "2027-01-31"}
    ).context["period"]
    assert week["start"] == date(2027, 1, 25)
    assert week["next"] == date(2027, 2, 1)
    bad = client.get(reverse("publishing_calendar"), {"view": "year", "date": "nonsense"})
    assert bad.status_code == 200
    assert bad.context["view"] == "month"


def test_a_held_post_page_shows_why_and_the_choices(client_for, mastodon_account):
    incident = IncidentFactory(title="Recall of the Brew")
    freeze = PublishingFreeze.objects.create(incident=incident, reason="Recall")
    post = held_post(mastodon_account, held_freeze=freeze)
    html = client_for("social").get(reverse("publishing_post", args=[post.pk])).content.decode()
    assert "Publishing is frozen by an incident" in html
    assert reverse("incident_detail", args=[incident.pk]) in html
    assert reverse("publishing_post_release", args=[post.pk]) in html
    legal_html = client_for("legal").get(reverse("publishing_post", args=[post.pk])).content
    assert reverse("publishing_post_release", args=[post.pk]).encode() not in legal_html


def test_moving_a_post_legal_must_approve_says_it_goes_back_to_legal(
    client_for, mastodon_account, social_user
):
    from publishing import services

    post = services.post_create(
        actor=social_user,
        accounts=[mastodon_account],
        title="Sponsored",
        text="#ad Spring at Café Sol.",
        scheduled_at=at(soon(5)),
        sponsored=True,
        markets=["US"],
        schedule=True,
    )
    client = client_for("social")
    html = client.get(reverse("publishing_calendar"), {"date": soon(5).isoformat()}).content
    assert b"data-needs-legal" in html
    response = client.post(
        reverse("publishing_post_move", args=[post.pk]),
        {"date": soon(6).isoformat(), "version": post.version},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert "went back to legal" in response.json()["message"]


def test_the_preview_takes_only_post(client_for):
    assert client_for("social").get(reverse("publishing_preview")).status_code == 405


def test_an_edit_through_the_browser_changes_only_what_changed(client_for, mastodon_account):
    """Browsers send CRLF line breaks and minutes only: neither counts as a change."""
    post = BrandPostFactory(
        text="Line one\nLine two",
        scheduled_at=at(soon(5)) + timedelta(seconds=17),
        status=PostStatus.DRAFT,
    )
    DeliveryFactory(post=post, account=mastodon_account)
    data = form_data(
        mastodon_account,
        title=post.title,
        text="Line one\r\nLine two",
        link="",
        markets=[],
        scheduled_at=at(soon(5)).strftime("%Y-%m-%dT%H:%M"),
        version=post.version,
    )
    response = client_for("social").post(reverse("publishing_post_edit", args=[post.pk]), data)
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.version == 1
    assert post.text == "Line one\nLine two"
    assert post.scheduled_at == at(soon(5)) + timedelta(seconds=17)


def test_a_sponsored_post_from_compliance_goes_on_the_calendar_from_its_page(
    client_for, mastodon_account, social_user, legal_user
):
    review = submitted_post(
        social_user,
        platform="mastodon",
        account_kind="brand",
        brand_account=mastodon_account.brand_account,
        partner_handle="",
        links=[],
    )
    approve(review, legal_user, "Fine.")
    client = client_for("social")
    page = client.get(f"/compliance/posts/{review.pk}/")
    link = f"/publishing/from-review/{review.pk}/"
    assert link in page.content.decode()
    form = client.get(link)
    assert mastodon_account.name in form.content.decode()
    done = client.post(link, {"account": mastodon_account.pk})
    post = BrandPost.objects.get(clearance=review)
    assert done.status_code == 302
    assert done["Location"] == f"/publishing/{post.pk}/"
    assert post.scheduled_at == review.planned_at
    assert client.get(link)["Location"] == f"/publishing/{post.pk}/"  # already on it
    assert (
        "Open it on the calendar" in client.get(f"/compliance/posts/{review.pk}/").content.decode()
    )


def test_only_accounts_of_the_posts_brand_account_are_offered(
    client_for, brand_account, mastodon_account, social_user
):
    other = brand_account("mastodon", "someone_else", people=[social_user])
    review = submitted_post(
        social_user,
        platform="mastodon",
        account_kind="brand",
        brand_account=mastodon_account.brand_account,
        partner_handle="",
    )
    client = client_for("social")
    answer = client.post(f"/publishing/from-review/{review.pk}/", {"account": other.pk})
    assert answer.status_code == 400
    assert not BrandPost.objects.exists()
    assert client_for("legal").get(f"/publishing/from-review/{review.pk}/").status_code == 403


def test_the_dashboard_card_shows_the_week_and_the_held(client_for, mastodon_account):
    scheduled(mastodon_account, timezone.localdate() + timedelta(days=2))
    page = client_for("social").get("/").content.decode()
    assert "Going out in the next 7 days" in page
    assert "Held, waiting for a decision" in page
    assert "Going out in the next 7 days" not in client_for("hr").get("/").content.decode()


def test_legal_keeps_the_teams_rules_and_the_social_team_reads_them(client_for, mastodon_account):
    team = TeamFactory(name="Investor relations")
    legal = client_for("legal")
    assert legal.get("/publishing/legal-rules/new/").status_code == 200
    refused = legal.post("/publishing/legal-rules/new/", {"name": " ", "team": team.pk})
    assert refused.status_code == 400
    saved = legal.post(
        "/publishing/legal-rules/new/",
        {
            "name": "Results <b>",
            "team": team.pk,
            "terms": "quarterly results",
            "accounts": [mastodon_account.pk],
            "is_active": "on",
        },
    )
    assert saved.status_code == 302
    rule = LegalRule.objects.get()
    assert list(rule.accounts.all()) == [mastodon_account]
    page = client_for("social").get("/publishing/legal-rules/").content.decode()
    assert "Results &lt;b&gt;" in page
    assert "quarterly results" in page
    assert client_for("social").get(f"/publishing/legal-rules/{rule.pk}/").status_code == 403
    assert client_for("hr").get("/publishing/legal-rules/").status_code == 403
