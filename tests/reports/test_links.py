"""What reports add elsewhere: competitor streams, the inbox's and audit log's downloads."""

import pytest

from monitoring.models import Stream
from riskdesk.models import AuditEvent
from tests.monitoring.factories import StreamFactory

pytestmark = pytest.mark.django_db


def test_a_stream_is_marked_as_a_competitor_s_through_the_api(api_client_for):
    stream = StreamFactory(connector="mastodon", options={"hashtag": "acme"})
    response = api_client_for("admin").patch(
        f"/api/v1/streams/{stream.pk}/", {"is_competitor": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["is_competitor"] is True
    stream.refresh_from_db()
    assert stream.is_competitor
    event = AuditEvent.objects.filter(verb__startswith="stream.").latest("pk")
    assert event.after["is_competitor"] is True


def test_the_stream_form_has_the_competitor_box(client_for):
    stream = StreamFactory()
    html = client_for("admin").get(f"/streams/{stream.pk}/edit/").content.decode()
    assert 'name="is_competitor"' in html


def test_the_demo_has_a_competitor_stream():
    from monitoring.demo import seed_monitoring

    seed_monitoring()
    assert Stream.objects.filter(is_competitor=True, enabled=False).count() == 1


def test_the_inbox_links_its_filters_to_the_export(client_for):
    html = client_for("social").get("/inbox/?status=open&sentiment=negative").content.decode()
    assert "/reports/mentions.csv?status=open&amp;sentiment=negative" in html
    assert "/reports/mentions.csv" not in client_for("legal").get("/inbox/").content.decode()


def test_the_audit_page_links_its_filters_to_the_export(client_for):
    html = client_for("admin").get("/audit/?verb=stream").content.decode()
    assert "/reports/audit.csv?verb=stream" in html
