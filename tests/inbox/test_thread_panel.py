"""The mention panel's conversation (inbox.selectors.thread_of): root, parents, replies.

Each post goes through Mention.objects.visible_to: a hidden one is simply absent. The
brand's posts are marked, text is escaped, the list is bounded with "N more", and the
queries do not grow with the thread.
"""

from datetime import UTC, datetime, timedelta

import pytest

from inbox.selectors import THREAD_SHOWN, thread_of
from monitoring.models import Mention, MentionStatus
from tests.inbox.factories import restricted_team
from tests.monitoring.factories import MentionFactory
from tests.offboarding.factories import BrandAccountFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def post(external_id, minutes, parent="", thread="root", **fields):
    return MentionFactory(
        platform="x",
        external_id=external_id,
        parent_id=parent,
        thread_id=thread,
        published_at=T0 + timedelta(minutes=minutes),
        text=fields.pop("text", f"post {external_id}"),
        **fields,
    )


@pytest.fixture
def conversation():
    """root ← a ← b (the mention) ← c; d answers the root; brand answers b."""
    brand = BrandAccountFactory(platform="x", handle="lumora", platform_id="42")
    posts = {
        "root": post("root", 0, thread="root"),
        "a": post("a", 1, parent="root"),
        "b": post("b", 2, parent="a"),
        "d": post("d", 3, parent="root"),
        "c": post("c", 4, parent="b", text="<script>alert('c')</script> me too"),
        "brand": post(
            "brand", 5, parent="b", owned_by=brand, status=MentionStatus.OWN, author_handle="lumora"
        ),
    }
    MentionFactory(platform="reddit", external_id="x9", thread_id="root")  # another network
    return posts


def test_the_chain_then_the_rest_in_time_order(user_for, conversation):
    b = conversation["b"]
    thread = thread_of(b, Mention.objects.visible_to(user_for("social")))

    assert [m.external_id for m in thread.chain] == ["root", "a"]
    assert [m.external_id for m in thread.replies] == ["d", "c", "brand"]
    assert thread.more == 0
    marks = {m.external_id: (m.is_brand, m.answers_this) for m in thread.replies}
    assert marks == {"d": (False, False), "c": (False, True), "brand": (True, True)}


def test_the_root_sees_the_whole_thread(user_for, conversation):
    thread = thread_of(conversation["root"], Mention.objects.visible_to(user_for("social")))
    assert thread.chain == []
    assert [m.external_id for m in thread.replies] == ["a", "b", "d", "c", "brand"]


def test_a_hidden_parent_is_absent_and_the_root_still_shows(user_for, conversation):
    legal = restricted_team()
    Mention.objects.filter(external_id="a").update(team=legal)
    social = Mention.objects.visible_to(user_for("social"))

    thread = thread_of(conversation["b"], social)

    assert [m.external_id for m in thread.chain] == ["root"]
    assert "a" not in [m.external_id for m in thread.replies]
    admin = thread_of(conversation["b"], Mention.objects.visible_to(user_for("admin")))
    assert [m.external_id for m in admin.chain] == ["root", "a"]


def test_a_reply_whose_parent_is_unknown_shows_its_own_replies_only(user_for):
    lonely = post("lonely", 0, parent="gone", thread="")
    post("r1", 1, parent="lonely", thread="lonely")
    thread = thread_of(lonely, Mention.objects.visible_to(user_for("social")))
    assert thread.chain == []
    assert [m.external_id for m in thread.replies] == ["r1"]


def test_a_mention_alone_has_no_thread(user_for):
    alone = post("alone", 0, thread="")
    assert not thread_of(alone, Mention.objects.visible_to(user_for("social")))


def test_the_panel_shows_the_conversation_escaped_and_marks_the_brand(client_for, conversation):
    html = client_for("social").get(f"/inbox/{conversation['b'].pk}/", **HTMX).content.decode()

    assert "Conversation" in html
    assert html.index("post root") < html.index("post a") < html.index("This mention")
    assert html.index("This mention") < html.index("post d")
    assert "&lt;script&gt;alert(&#x27;c&#x27;)&lt;/script&gt; me too" in html
    assert "<script>alert('c')" not in html
    assert "thread__post--brand" in html
    assert "replies to this mention" in html


def test_a_long_thread_is_bounded_with_how_many_more(client_for, user_for, settings):
    root = post("root", 0)
    for n in range(THREAD_SHOWN + 7):
        post(f"r{n}", n + 1, parent="root")

    thread = thread_of(root, Mention.objects.visible_to(user_for("social")))
    assert len(thread.replies) == THREAD_SHOWN
    assert thread.more == 7

    html = client_for("social").get(f"/inbox/{root.pk}/", **HTMX).content.decode()
    assert "7 more posts in this thread are not shown." in html


def test_the_panel_queries_do_not_grow_with_the_thread(client_for, django_assert_max_num_queries):
    root = post("root", 0)
    for n in range(3):
        post(f"r{n}", n + 1, parent="root")
    client = client_for("social")
    url = f"/inbox/{root.pk}/"
    client.get(url, **HTMX)
    with django_assert_max_num_queries(40) as few:
        client.get(url, **HTMX)
    for n in range(3, 40):
        post(f"r{n}", n + 1, parent="root", owned_by=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, **HTMX).status_code == 200
