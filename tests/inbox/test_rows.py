"""inbox.selectors.render_rows: inbox rows rendered once per state, then read from the cache.

A cached row must never show what is no longer true: a triage action, a reader without the
right to triage, another language or someone opening the mention each give a new row.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import services
from inbox.services import viewing_mark
from tests.accounts.factories import TeamFactory, UserFactory
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db

ROW = "inbox/_inbox_row.html"


def _rows_rendered(response) -> int:
    return [template.name for template in response.templates].count(ROW)


def _row(response, mention) -> str:
    html = response.content.decode()
    start = html.index(f'<li id="m-{mention.pk}"')
    return html[start : html.index("</li>", start)]


def test_a_row_is_rendered_once_then_read_from_the_cache(client_for):
    mentions = MentionFactory.create_batch(3)
    client = client_for("social")

    first = client.get("/inbox/")
    again = client.get("/inbox/")

    assert _rows_rendered(first) == 3
    assert _rows_rendered(again) == 0
    assert [_row(again, m) for m in mentions] == [_row(first, m) for m in mentions]


def test_a_triage_action_renders_that_row_anew(client_for, user_for):
    team = TeamFactory(name="Care")
    changed, untouched = MentionFactory(team=team), MentionFactory(team=team)
    client = client_for("social")
    assert "Unassigned" in _row(client.get("/inbox/"), changed)

    services.mentions_assign(
        actor=user_for("social"), mentions=[changed], assignee=user_for("legal")
    )
    services.mentions_tag(actor=user_for("social"), mentions=[changed], add=["refund"])
    response = client.get("/inbox/")

    assert _rows_rendered(response) == 1
    row = _row(response, changed)
    assert "→ Legal Person" in row
    assert "#refund" in row
    assert "Unassigned" in _row(response, untouched)


def test_a_reader_who_may_not_triage_never_gets_a_triager_row(client_for):
    mention = MentionFactory()
    assert 'name="id"' in _row(client_for("social").get("/inbox/"), mention)

    row = _row(client_for("manager").get("/inbox/"), mention)

    assert 'name="id"' not in row


def test_each_language_has_its_own_row(client_for):
    mention = MentionFactory(status="new")
    client = client_for("social")
    english = _row(client.get("/inbox/"), mention)

    french = _row(client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="fr"), mention)

    assert "Unassigned" in english
    assert "Non attribuée" in french


def test_someone_opening_the_mention_shows_on_its_row(client_for):
    mention = MentionFactory()
    client = client_for("social")
    assert "is viewing" not in _row(client.get("/inbox/"), mention)

    viewing_mark(mention.pk, UserFactory(display_name="Camille"))

    assert "Camille is viewing" in _row(client.get("/inbox/"), mention)


def test_a_row_turns_breached_when_its_sla_passes(client_for):
    mention = MentionFactory(
        received_at=timezone.now() - timedelta(minutes=30),
        first_response_due_at=timezone.now() + timedelta(minutes=30),
    )
    client = client_for("social")
    assert "is-breached" not in _row(client.get("/inbox/"), mention)

    type(mention).objects.filter(pk=mention.pk).update(
        first_response_due_at=timezone.now() - timedelta(minutes=1)
    )  # as if the clock had run on: updated_at is left as it was
    row = _row(client.get("/inbox/"), mention)

    assert "is-breached" in row
    assert "Response overdue" in row


def test_relative_times_are_left_to_the_browser(client_for):
    mention = MentionFactory(published_at=timezone.now() - timedelta(minutes=5))

    row = _row(client_for("social").get("/inbox/"), mention)

    assert "<time datetime=" in row
    assert "data-relative" in row
    assert "ago" not in row
