"""The brand's own posts in the inbox, and the brand's replies that answer mentions.

No default list holds an owned post, yet anyone may find them (the `owned` filter, the
status "own"); the API shows `owned_by` and the status. A reply by a brand account to an
earned mention (in the same batch or stored before) is that mention's first response: the
SLA clock stops, the history and the audit trail say so, once.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox import selectors, services
from inbox.models import MentionEvent
from monitoring import pipeline
from monitoring.models import Mention, MentionStatus
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.monitoring.factories import MentionFactory
from tests.monitoring.scripted import mention

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def pair(brand):
    earned = MentionFactory(text="where is my parcel", risk_score=30)
    own = MentionFactory(
        text="our own announcement", owned_by=brand, status=MentionStatus.OWN, risk_score=90
    )
    return earned, own


def _ids(response) -> set[int]:
    return {m.pk for m in response.context["rows"]}


# --- Lists -------------------------------------------------------------------------------------


def test_no_default_view_holds_the_brand_s_posts(client_for, pair):
    earned, own = pair
    client = client_for("social")
    for query in ("", "?status=open", "?sort=riskiest", "?risk_min=50"):
        assert own.pk not in _ids(client.get(f"/inbox/{query}", **HTMX)), query
    assert earned.pk in _ids(client.get("/inbox/", **HTMX))


def test_the_brand_s_posts_can_still_be_found(client_for, pair):
    earned, own = pair
    client = client_for("social")
    assert _ids(client.get("/inbox/?owned=only", **HTMX)) == {own.pk}
    assert _ids(client.get("/inbox/?owned=include", **HTMX)) == {earned.pk, own.pk}
    assert _ids(client.get("/inbox/?status=own", **HTMX)) == {own.pk}
    page = client.get("/inbox/").content.decode()
    assert "Brand&#x27;s own posts" in page or "Brand's own posts" in page  # the filter's label


def test_the_api_shows_owned_by_and_the_status_and_filters_alike(api_client_for, pair, brand):
    earned, own = pair
    client = api_client_for("social")

    listed = client.get("/api/v1/mentions/").json()["results"]
    assert [m["id"] for m in listed] == [earned.pk]
    assert listed[0]["owned_by"] is None

    body = client.get(f"/api/v1/mentions/{own.pk}/").json()
    assert (body["owned_by"], body["status"]) == ("x:@lumora", "own")
    assert body["sla"] is None
    only = client.get("/api/v1/mentions/?owned=only").json()["results"]
    assert [m["id"] for m in only] == [own.pk]
    assert (
        client.patch(f"/api/v1/mentions/{own.pk}/", {"owned_by": None}, format="json").status_code
        == 200
    )  # read-only: ignored
    assert Mention.objects.get(pk=own.pk).owned_by == brand


def test_only_the_brand_s_posts_take_the_status_own(user_for, pair):
    earned, own = pair
    actor = user_for("social")
    with pytest.raises(ValidationError):
        services.mentions_set_status(actor=actor, mentions=[earned], status=MentionStatus.OWN)
    assert Mention.objects.get(pk=earned.pk).status == MentionStatus.NEW

    services.mentions_set_status(actor=actor, mentions=[own], status=MentionStatus.NEW)
    services.mentions_set_status(actor=actor, mentions=[own], status=MentionStatus.OWN)
    assert Mention.objects.get(pk=own.pk).status == MentionStatus.OWN


def test_the_panel_says_it_is_the_brand_s_post(client_for, pair):
    _earned, own = pair
    html = client_for("social").get(f"/inbox/{own.pk}/", **HTMX).content.decode()
    assert "Posted by the brand account @lumora" in html
    assert "only the rules that also apply to the brand" in html


# --- The brand's replies close the loop --------------------------------------------------------


def _reply(n, parent, minutes=10, **fields):
    return mention(
        n,
        author_id="42",
        author_handle="lumora",
        parent_id=parent.external_id if hasattr(parent, "external_id") else parent,
        **{
            "text": "So sorry, we are on it: DM us your order number.",
            "published_at": timezone.now() + timedelta(minutes=minutes),
        }
        | fields,
    )


def test_a_brand_reply_is_the_first_response_of_a_stored_mention(brand):
    stored = pipeline.ingest([mention(1, text="my parcel never came")])
    complaint = Mention.objects.get(pk=stored.ids[0])
    assert selectors.timer(complaint).label == "first_response"
    answer = _reply(2, complaint)

    result = pipeline.ingest([answer])

    complaint.refresh_from_db()
    assert complaint.first_response_at == answer.published_at
    assert complaint.status == MentionStatus.IN_PROGRESS
    assert selectors.timer(complaint).label == "resolution"  # the first clock stopped
    event = MentionEvent.objects.get(mention=complaint)
    assert (event.kind, event.actor, event.data["brand_reply"]) == ("reply", None, result.ids[0])
    assert event.data["account"] == "lumora"
    audit = AuditEvent.objects.get(verb="mention.brand_reply")
    assert (audit.actor, audit.target_id) == (None, str(complaint.pk))
    assert audit.before["status"] == "new"
    reply = Mention.objects.get(pk=result.ids[0])
    assert (reply.status, reply.first_response_due_at) == (MentionStatus.OWN, None)


def test_a_parent_in_the_same_batch_is_answered_too(brand):
    complaint = mention(1, text="my parcel never came")
    answer = _reply(2, complaint)

    pipeline.ingest([answer, complaint])  # the reply first: order in the batch does not matter

    stored = Mention.objects.get(external_id="1")
    assert stored.first_response_at == answer.published_at
    assert stored.events.get().data["brand_reply"]


def test_an_earlier_answer_is_kept_and_the_reply_still_told_once(brand, user_for):
    pipeline.ingest([mention(1, text="my parcel never came")])
    complaint = Mention.objects.get()
    services.mention_reply(actor=user_for("social"), mention=complaint, body="On it!")
    answered_at = Mention.objects.get().first_response_at

    pipeline.ingest([_reply(2, complaint)])
    pipeline.ingest([_reply(2, complaint)])  # re-delivered: a duplicate

    complaint.refresh_from_db()
    assert complaint.first_response_at == answered_at
    assert complaint.status == MentionStatus.IN_PROGRESS
    assert complaint.events.filter(kind="reply", data__brand_reply__isnull=False).count() == 1
    assert AuditEvent.objects.filter(verb="mention.brand_reply").count() == 1


def test_what_is_not_an_earned_parent_gets_nothing(brand):
    pipeline.ingest([mention(1, author_id="42", author_handle="lumora", text="our post")])
    pipeline.ingest(
        [
            _reply(2, "1"),  # the brand answering itself
            _reply(3, "unknown-999"),  # a parent riskdesk never saw
            _reply(4, "1", platform="reddit"),  # same id, another network
        ]
    )
    assert not MentionEvent.objects.exists()
    assert not AuditEvent.objects.filter(verb="mention.brand_reply").exists()
    assert Mention.objects.get(external_id="1").first_response_at is None


def test_a_reply_from_a_deactivated_account_answers_nothing(brand):
    pipeline.ingest([mention(1, text="my parcel never came")])
    brand.is_active = False
    brand.save()

    pipeline.ingest([_reply(2, "1")])

    complaint = Mention.objects.get(external_id="1")
    assert complaint.first_response_at is None
    assert Mention.objects.get(external_id="2").status == MentionStatus.NEW  # earned now


def test_the_history_shows_the_brand_reply_escaped(client_for, brand):
    pipeline.ingest([mention(1, text="my parcel never came")])
    pipeline.ingest([_reply(2, "1", text="<script>alert(1)</script> sorry")])
    complaint = Mention.objects.get(external_id="1")
    html = client_for("social").get(f"/inbox/{complaint.pk}/", **HTMX).content.decode()
    assert "replied on the network from a brand account" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; sorry" in html
    assert "<script>alert(1)" not in html


def test_a_routed_mention_answered_by_the_brand_leaves_the_breached_count(brand):
    care = TeamFactory(name="Care", slug="social")
    pipeline.ingest([mention(1, text="my parcel never came")])
    complaint = Mention.objects.get()
    Mention.objects.filter(pk=complaint.pk).update(
        team=care, first_response_due_at=timezone.now() - timedelta(minutes=1)
    )
    assert selectors.breach_count(Mention.objects.all()) == 1

    pipeline.ingest([_reply(2, complaint, minutes=-5)])

    assert selectors.breach_count(Mention.objects.all()) == 0
