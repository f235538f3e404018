"""The notification centre, the bell and the API: a person's own notifications only."""

import pytest
from django.utils import timezone

from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(social_user):
    return social_user


@pytest.fixture
def someone_else():
    return UserFactory(roles=["social"])


# --- Pages ------------------------------------------------------------------------------


def test_the_centre_lists_mine_unread_first(client_for, me, someone_else):
    old_unread = NotificationFactory(recipient=me, title="old unread")
    NotificationFactory(recipient=me, title="newer but read", read_at=timezone.now())
    NotificationFactory(recipient=me, title="only by e-mail", in_app=False)
    NotificationFactory(recipient=someone_else, title="not mine")
    page = client_for("social").get("/notifications/").content.decode()
    assert page.index("old unread") < page.index("newer but read")
    assert "not mine" not in page
    assert "only by e-mail" not in page
    assert f"/notifications/{old_unread.pk}/open/" in page
    assert "Mark all read" in page


def test_the_centre_pages_and_its_query_count_does_not_grow(
    client_for, me, django_assert_max_num_queries
):
    NotificationFactory.create_batch(35, recipient=me)
    NotificationFactory.create_batch(35, recipient=me, read_at=timezone.now())
    client = client_for("social")
    with django_assert_max_num_queries(12):
        first = client.get("/notifications/").content.decode()
    assert "Older unread" in first
    assert "Older read" in first
    oldest = Notification.objects.filter(recipient=me, read_at=None).order_by("pk").first()
    assert f"/notifications/{oldest.pk}/open/" not in first
    cursor = sorted(
        Notification.objects.filter(recipient=me, read_at=None).values_list("pk", flat=True)
    )[5]
    second = client.get(f"/notifications/?before={cursor}").content.decode()
    assert f"/notifications/{oldest.pk}/open/" in second


def test_following_one_marks_it_read_and_goes_there(client_for, me):
    notification = NotificationFactory(recipient=me, path="/inbox/42/")
    response = client_for("social").get(f"/notifications/{notification.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/inbox/42/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("path", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_an_outside_link_is_never_followed(client_for, me, path):
    notification = NotificationFactory(recipient=me, path=path)
    response = client_for("social").get(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_another_persons_notification_is_a_404(client_for, someone_else):
    theirs = NotificationFactory(recipient=someone_else)
    response = client_for("social").get(f"/notifications/{theirs.pk}/open/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_only_mine(client_for, me, someone_else):
    NotificationFactory.create_batch(3, recipient=me)
    theirs = NotificationFactory(recipient=someone_else)
    client = client_for("social")
    assert client.get("/notifications/read-all/").status_code == 405
    response = client.post("/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=me, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_bell_counts_my_unread_with_an_accessible_label(client_for, me, someone_else):
    NotificationFactory.create_batch(3, recipient=me)
    NotificationFactory(recipient=me, read_at=timezone.now())
    NotificationFactory(recipient=someone_else)
    bell = client_for("social").get("/notifications/bell/", HTTP_HX_REQUEST="true")
    html = bell.content.decode()
    assert 'aria-label="3 unread notifications"' in html
    assert 'hx-trigger="every 30s"' in html
    assert "load," not in html  # the first answer polls on; it does not load itself again


def test_the_bell_without_a_session_changes_nothing(client):
    assert client.get("/notifications/bell/").status_code == 204


def test_pages_render_the_bell_without_querying_it(client_for, me):
    NotificationFactory(recipient=me)
    client = client_for("social")
    page = client.get("/account/security/").content.decode()
    assert 'hx-trigger="load, every 30s"' in page
    assert 'aria-label="Notifications"' in page


def test_signed_out_pages_have_no_bell(client):
    assert "notification-bell" not in client.get("/login/").content.decode()


# --- API --------------------------------------------------------------------------------


def test_the_api_lists_only_mine(api_client_for, me, someone_else):
    mine = NotificationFactory(recipient=me, title="mine")
    NotificationFactory(recipient=someone_else, title="theirs")
    body = api_client_for("social").get("/api/v1/notifications/").json()
    assert [row["id"] for row in body["results"]] == [mine.pk]
    assert body["results"][0]["url"] == mine.path
    assert set(body["results"][0]) == {
        "id", "kind", "title", "url", "actor", "created_at", "read_at",
    }  # fmt: skip


def test_the_api_filters_unread(api_client_for, me):
    unread = NotificationFactory(recipient=me)
    read = NotificationFactory(recipient=me, read_at=timezone.now())
    client = api_client_for("social")
    ids = lambda q: [r["id"] for r in client.get(f"/api/v1/notifications/?{q}").json()["results"]]  # noqa: E731
    assert ids("unread=true") == [unread.pk]
    assert ids("unread=false") == [read.pk]


def test_the_api_never_shows_or_marks_anothers(api_client_for, someone_else):
    theirs = NotificationFactory(recipient=someone_else)
    client = api_client_for("social")
    assert client.get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_marks_read_counts_and_marks_all(api_client_for, me):
    one, _two = NotificationFactory.create_batch(2, recipient=me)
    client = api_client_for("social")
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    marked = client.post(f"/api/v1/notifications/{one.pk}/read/").json()
    assert marked["read_at"] is not None
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 1}
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}


def test_the_api_needs_a_person(api_client):
    assert api_client.get("/api/v1/notifications/").status_code == 401
    assert api_client.get("/api/v1/notification-preferences/").status_code == 401


def test_the_api_reads_and_changes_my_preferences(api_client_for, me):
    client = api_client_for("social")
    rows = client.get("/api/v1/notification-preferences/").json()
    assert {r["kind"]: r["email"] for r in rows}["sla_warning"] == "now"
    changed = client.patch("/api/v1/notification-preferences/sla_warning/", {"email": "digest"})
    assert changed.status_code == 200
    assert changed.json() == {
        "kind": "sla_warning", "label": "SLA about to breach", "in_app": True, "email": "digest",
    }  # fmt: skip
    assert client.get("/api/v1/notification-preferences/sla_warning/").json()["email"] == "digest"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/v1/notification-preferences/sla_warning/", {"email": "hourly"}, 400),
        ("/api/v1/notification-preferences/sla_warning/", {"in_app": "perhaps"}, 400),
        ("/api/v1/notification-preferences/nope/", {"email": "now"}, 404),
    ],
)
def test_bad_preferences_in_the_api(api_client_for, me, path, body, status):
    response = api_client_for("social").patch(path, body, format="json")
    assert response.status_code == status
    if status == 400:
        assert set(response.json()) <= {"email", "in_app"}
