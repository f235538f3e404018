"""What the inbox page costs around its rows: queries, the cached filter bar and counts, and
the toolbar's pickers that load when the toolbar is used (inbox.page)."""

import re
from datetime import timedelta

import pytest
from django import forms
from django.utils import timezone

from accounts.models import TeamKind
from inbox import services
from inbox.forms import FILTER_BAR_RENDERER
from monitoring.models import Mention, MentionStatus
from tests.accounts.factories import TeamFactory
from tests.monitoring.factories import MentionFactory, StreamFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
HOSTILE = '<script>alert(1)</script>"'
# A warm page for the social team: session, user, two-factor device, the permissions, the
# teams that change what one sees (hidden queues, Security), the rows and the newest id (live
# bar). It was 18, then 11 (with the freeze, the saved views and a second team read), then 8
# (the permissions in two reads).
PAGE_QUERIES = 7


def _same_markup(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_a_warm_inbox_page_is_a_fixed_number_of_queries(client_for, django_assert_num_queries):
    team = TeamFactory()
    MentionFactory.create_batch(5, team=team)
    client = client_for("social")
    client.get("/inbox/?status=open")  # the session, the rows, the filter bar: now cached
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get("/inbox/?status=open").status_code == 200
    MentionFactory.create_batch(30, team=team)
    client.get(f"/inbox/?status=open&team={team.pk}")
    with django_assert_num_queries(PAGE_QUERIES + 1):  # +1: the team asked for, validated
        assert client.get(f"/inbox/?status=open&team={team.pk}").status_code == 200


def test_the_fast_select_writes_what_django_s_template_writes():
    class Form(forms.Form):
        plain = forms.ChoiceField(choices=[("a", "A"), ("b", HOSTILE)])
        grouped = forms.ChoiceField(
            choices=[("", "Any"), (HOSTILE, [("x", "X"), ("y", "Y")])],
            widget=forms.Select(attrs={"data-x": HOSTILE, "disabled": True}),
        )

    data = {"plain": "b", "grouped": "y"}
    fast, django = Form(data, renderer=FILTER_BAR_RENDERER), Form(data)
    for name in ("plain", "grouped"):
        ours = str(fast[name])
        assert _same_markup(ours) == _same_markup(str(django[name]))
        assert "<script>" not in ours
    assert '<option value="y" selected>Y</option>' in str(fast["grouped"])


def test_the_filter_bar_shows_the_values_asked_for_and_fresh_choices(client_for):
    team = TeamFactory(name="Care")
    legal = TeamFactory(name="Lawyers", kind=TeamKind.LEGAL)
    client = client_for("social")
    page = client.get(f"/inbox/?status=open&team={team.pk}").content.decode()
    assert f'<option value="{team.pk}" selected>Care</option>' in page
    assert "Lawyers" not in page  # a restricted queue the social team is not in
    assert legal.pk
    other = client.get("/inbox/?status=resolved").content.decode()
    assert '<option value="resolved" selected>' in other
    assert f'<option value="{team.pk}">Care</option>' in other  # not selected here

    team.name = "Customer care"
    team.save()  # the cached choices are forgotten
    StreamFactory(name=f"Brand {HOSTILE}")
    page = client.get(f"/inbox/?status=open&team={team.pk}").content.decode()
    assert f'<option value="{team.pk}" selected>Customer care</option>' in page
    assert "Brand &lt;script&gt;alert(1)&lt;/script&gt;&quot;" in page
    assert "<script>alert(1)" not in page


def test_a_filter_bar_with_errors_shows_them_and_is_not_cached(client_for):
    client = client_for("social")
    bad = client.get("/inbox/?status=bogus&risk_min=-3").content.decode()
    assert "field--invalid" in bad
    assert "field--invalid" not in client.get("/inbox/?status=open").content.decode()
    assert "field--invalid" in client.get("/inbox/?status=bogus&risk_min=-3").content.decode()


def _breached(**extra) -> Mention:
    now = timezone.now()
    return MentionFactory(
        received_at=now - timedelta(hours=2),
        first_response_due_at=now - timedelta(hours=1),
        **extra,
    )


def test_the_breach_count_is_cached_and_forgotten_by_triage(
    client_for, user_for, django_capture_on_commit_callbacks
):
    legal = TeamFactory(kind=TeamKind.LEGAL)
    late = _breached()
    client = client_for("social")
    assert client.get("/inbox/").context["breached"] == 1
    _breached()  # stored by the pipeline: counted when the short cache expires
    _breached()
    assert client.get("/inbox/").context["breached"] == 1
    with django_capture_on_commit_callbacks(execute=True):  # forgotten once committed
        services.mentions_set_status(
            actor=user_for("social"), mentions=[late], status=MentionStatus.RESOLVED
        )
    assert client.get("/inbox/").context["breached"] == 2  # the other two, counted afresh
    _breached(team=legal)
    with django_capture_on_commit_callbacks(execute=True):
        services.mentions_set_priority(actor=user_for("social"), mentions=[late], priority=4)
    assert client.get("/inbox/").context["breached"] == 2  # not the restricted one
    assert client_for("admin").get("/inbox/").context["breached"] == 3


def test_the_toolbar_pickers_load_when_asked(client_for, user_for):
    care = TeamFactory(name="Care")
    legal = TeamFactory(name="Lawyers", kind=TeamKind.LEGAL)
    agent = user_for("social")
    other = user_for("manager")
    client = client_for("social")
    page = client.get("/inbox/").content.decode()
    assert 'hx-get="/inbox/toolbar/"' in page
    # "Me" is on the page from the start: the "a" shortcut assigns with it.
    assert re.search(
        rf'id="bulk-assignee"[^>]*>\s*<option value="{agent.pk}">Me</option>\s*</select>',
        page,
    )
    toolbar = page.split('id="bulk-assignee"')[1].split('id="bulk-tags"')[0]
    assert other.display_name not in toolbar
    assert "Care" not in toolbar

    pickers = client.get("/inbox/toolbar/", **HTMX).content.decode()
    assert re.search(
        rf'id="bulk-assignee" hx-swap-oob="innerHTML"><option value="{agent.pk}">Me</option>',
        pickers,
    )
    assert f'<option value="{other.pk}">{other.display_name}</option>' in pickers
    assert f'<option value="{care.pk}">Care</option>' in pickers
    assert "Lawyers" not in pickers  # a restricted queue stays hidden
    assert legal.pk
    assert "No open incident" in pickers


def test_the_toolbar_pickers_need_the_right_to_triage(client_for):
    assert client_for("manager").get("/inbox/toolbar/").status_code == 403
    assert client_for(None).get("/inbox/toolbar/").status_code == 302
    assert client_for("social").post("/inbox/toolbar/").status_code == 405


def test_the_search_and_order_stay_beside_the_cached_bar(client_for):
    client = client_for("social")
    client.get("/inbox/?status=open&q=refund")
    page = client.get("/inbox/?status=open&q=parcel&sort=riskiest").content.decode()
    assert 'name="q" id="id_q" value="parcel"' in page
    assert '<option value="riskiest" selected>' in page
    assert page.count('name="q"') == 1
    assert page.count('name="sort"') == 1


def test_saved_views_are_cached_and_forgotten_when_one_is_saved_or_deleted(client_for, user_for):
    client = client_for("social")
    assert client.get("/inbox/").context["saved_views"] == []
    services.saved_view_save(owner=user_for("social"), name="Refunds", query="q=refund")
    views = client.get("/inbox/").context["saved_views"]
    assert [v.name for v in views] == ["Refunds"]
    assert client_for("manager").get("/inbox/").context["saved_views"] == []  # personal
    services.saved_view_delete(view=views[0])
    assert client.get("/inbox/").context["saved_views"] == []


def test_the_filter_form_is_built_once_but_each_reader_gets_their_own(user_for):
    from django.http import QueryDict

    from inbox.filters import InboxFilter

    legal = TeamFactory(name="Lawyers", kind=TeamKind.LEGAL)
    social, admin = user_for("social"), user_for("admin")
    mine = MentionFactory(assignee=social)
    MentionFactory(assignee=admin)
    data = QueryDict(f"assignee=me&team={legal.pk}")
    theirs = InboxFilter(data, queryset=Mention.objects.all(), user=social)
    ours = InboxFilter(data, queryset=Mention.objects.all(), user=admin)
    assert type(theirs.form) is type(ours.form)  # one class, not one a request
    assert not theirs.is_valid()  # a restricted queue the social team may not ask for
    assert "team" in theirs.errors
    assert ours.is_valid()
    assert list(InboxFilter(QueryDict("assignee=me"), user=social).qs) == [mine]
    assert list(InboxFilter(QueryDict("assignee=me"), user=admin).qs) != [mine]
