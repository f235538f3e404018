"""Keyword lists, the watchlist and the brand accounts: services, pages and API.

Who may open and post what, the services' validation and audit events, the try-it box
showing hostile text escaped, and list pages whose query count does not grow with rows.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitoring.models import KeywordList, WatchedAuthor
from monitoring.selectors import keyword_matcher_current
from monitoring.services import keyword_list_update, watched_author_add, watched_author_remove
from offboarding.models import BrandAccount
from riskdesk.models import AuditEvent
from tests.accounts.factories import TeamFactory
from tests.conftest import ANONYMOUS, NO_ROLE
from tests.monitoring.factories import MentionFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["social", "legal", "hr", "manager", "admin", NO_ROLE, ANONYMOUS]
SIGNED_IN = COLUMNS[:-1]
PAGE, API = 302, 401  # anonymous: pages send to /login/, the API answers 401


def only(allowed: dict, anonymous=PAGE, refused=403) -> dict:
    return dict.fromkeys(SIGNED_IN, refused) | allowed | {ANONYMOUS: anonymous}


READERS = {"social": 200, "manager": 200, "admin": 200}  # keywords.view, brand_account.view
ACCOUNT_READERS = READERS | {"hr": 200}  # HR needs the accounts to offboard people
WATCHERS = {"social": 200, "admin": 200}  # watchlist.manage

# (method, path, body, expected status per column). {watched}: a watched author;
# {account}: a brand account; {keywords}: the legal/en keyword list.
MATRIX = [
    ("GET", "/keywords/", None, only(READERS)),
    (
        "POST",
        "/keywords/",
        {"code": "legal", "language": "en", "terms": "x y"},
        only({"admin": 302}),
    ),
    ("POST", "/keywords/try/", {"text": "a lawsuit"}, only(READERS)),
    ("GET", "/keywords/try/", None, only({}, refused=405)),
    ("GET", "/watchlist/", None, only(WATCHERS)),
    (
        "POST",
        "/watchlist/",
        {"platform": "x", "author_id": "42", "author_handle": "@troll", "reason": "Spam"},
        only({"social": 302, "admin": 302}),
    ),
    ("POST", "/watchlist/{watched}/remove/", {}, only({"social": 302, "admin": 302})),
    ("GET", "/watchlist/{watched}/remove/", None, only({}, refused=405)),
    ("GET", "/brand-accounts/", None, only(ACCOUNT_READERS)),
    ("GET", "/brand-accounts/new/", None, only({"admin": 200})),
    ("GET", "/brand-accounts/{account}/edit/", None, only({"admin": 200})),
    (
        "POST",
        "/brand-accounts/new/",
        {"platform": "x", "handle": "@acme_help", "display_name": "Acme Help", "is_active": "on"},
        only({"admin": 302}),
    ),
    (
        "POST",
        "/brand-accounts/{account}/edit/",
        {"platform": "x", "handle": "acme", "display_name": "Acme Inc.", "is_active": "on"},
        only({"admin": 302}),
    ),
    ("POST", "/brand-accounts/{account}/active/", {"is_active": "0"}, only({"admin": 302})),
    ("GET", "/api/v1/keyword-lists/", None, only(READERS, API)),
    ("GET", "/api/v1/keyword-lists/{keywords}/", None, only(READERS, API)),
    (
        "PATCH",
        "/api/v1/keyword-lists/{keywords}/",
        {"terms": "lawsuit\nsue"},
        only({"admin": 200}, API),
    ),
    (
        "POST",
        "/api/v1/keyword-lists/",
        {"code": "crisis", "language": "de", "terms": "Rückruf"},
        only({"admin": 201}, API),
    ),
    ("DELETE", "/api/v1/keyword-lists/{keywords}/", None, only({}, API, refused=405)),
    ("GET", "/api/v1/watchlist/", None, only(WATCHERS, API)),
    (
        "POST",
        "/api/v1/watchlist/",
        {"platform": "x", "author_id": "43", "author_handle": "troll2"},
        only({"social": 201, "admin": 201}, API),
    ),
    ("DELETE", "/api/v1/watchlist/{watched}/", None, only({"social": 204, "admin": 204}, API)),
    ("GET", "/api/v1/social-accounts/", None, only(ACCOUNT_READERS, API)),
    ("GET", "/api/v1/social-accounts/{account}/", None, only(ACCOUNT_READERS, API)),
    (
        "POST",
        "/api/v1/social-accounts/",
        {"platform": "mastodon", "handle": "@acme@social.example"},
        only({"admin": 201}, API),
    ),
    (
        "PATCH",
        "/api/v1/social-accounts/{account}/",
        {"is_active": False},
        only({"admin": 200}, API),
    ),
    ("DELETE", "/api/v1/social-accounts/{account}/", None, only({}, API, refused=405)),
]

CASES = [
    pytest.param(method, path, body, role, expected[role], id=f"{method} {path} as {role}")
    for method, path, body, expected in MATRIX
    for role in COLUMNS
]


def _state():
    """What a refused request must leave as it was."""
    return (
        AuditEvent.objects.count(),
        list(KeywordList.objects.order_by("pk").values_list("code", "language", "terms")),
        list(WatchedAuthor.objects.order_by("pk").values_list("platform", "author_id")),
        list(
            BrandAccount.objects.order_by("pk").values_list("handle", "display_name", "is_active")
        ),
    )


@pytest.fixture
def keywords():
    return KeywordList.objects.create(code="legal", language="en", terms="lawsuit\nlawyer")


@pytest.fixture
def account():
    return BrandAccount.objects.create(platform="x", handle="acme", display_name="Acme")


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), CASES)
def test_permission_matrix(client_for, keywords, account, method, path, body, role, expected):
    watched = WatchedAuthor.objects.create(platform="x", author_id="7", author_handle="old_troll")
    url = path.format(watched=watched.pk, account=account.pk, keywords=keywords.pk)
    is_api = path.startswith("/api/")
    client = client_for(role, api=is_api)
    before = _state()

    if method == "GET":
        response = client.get(url)
    elif is_api:
        response = getattr(client, method.lower())(url, body, format="json")
    else:
        response = client.post(url, body)

    assert response.status_code == expected, response.content[:500]
    if role == ANONYMOUS and not is_api:
        assert response["Location"].startswith("/login/?next=")
    if expected >= 400 or role == ANONYMOUS:
        assert _state() == before, "a refused request changed something"
    elif method in ("PATCH", "DELETE") or (method == "POST" and "try" not in path):
        assert _state() != before, "an allowed write changed nothing"


# --- Keyword lists: the service ----------------------------------------------------------


def test_keyword_update_normalises_terms_and_audits_the_change(admin_user, keywords):
    saved = keyword_list_update(
        actor=admin_user,
        code="legal",
        language="en",
        terms="  Lawsuit \n\nlawsuit\nLAWSUIT\n avocat \nclass action\nlawyér\n",
    )

    assert saved.pk == keywords.pk
    assert saved.term_list == ["Lawsuit", "avocat", "class action", "lawyér"]
    event = AuditEvent.objects.get(verb="keywords.update")
    assert event.actor == admin_user
    assert event.before == {"code": "legal", "language": "en", "count": 2}
    assert event.after == {
        "code": "legal",
        "language": "en",
        "count": 4,
        "added": ["avocat", "class action"],  # "lawyér" is "lawyer" once folded
        "removed": [],
    }


def test_keyword_update_records_removed_terms_and_creates_missing_lists(admin_user, keywords):
    keyword_list_update(actor=admin_user, code="legal", language="en", terms="lawsuit")
    created = keyword_list_update(actor=admin_user, code="crisis", language="FR", terms="rappel")

    events = AuditEvent.objects.filter(verb="keywords.update").order_by("pk")
    assert events[0].after["removed"] == ["lawyer"]
    assert (created.code, created.language, created.terms) == ("crisis", "fr", "rappel")
    assert events[1].before["count"] == 0


def test_keyword_update_without_change_writes_no_event(admin_user, keywords):
    keyword_list_update(actor=admin_user, code="legal", language="en", terms="lawsuit\nlawyer\n")

    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("terms", "named"),
    [
        ("lawsuit\na", "“a”"),
        ("x*", "“x*”"),
        ("lawsuit\n" + "w" * 101, "w" * 30),
        ("!!!", "“!!!”"),
    ],
)
def test_keyword_update_refuses_bad_terms_naming_them(admin_user, keywords, terms, named):
    with pytest.raises(ValidationError) as caught:
        keyword_list_update(actor=admin_user, code="legal", language="en", terms=terms)

    assert named in " ".join(caught.value.message_dict["terms"])
    assert KeywordList.objects.get().terms == "lawsuit\nlawyer"
    assert not AuditEvent.objects.exists()


def test_keyword_update_refuses_unknown_reason_and_language(admin_user):
    with pytest.raises(ValidationError) as caught:
        keyword_list_update(actor=admin_user, code="reach", language="en", terms="viral")
    assert "code" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        keyword_list_update(actor=admin_user, code="legal", language="english!", terms="sue")
    assert "language" in caught.value.message_dict


@pytest.mark.parametrize("role", ["social", "manager", "legal", NO_ROLE])
def test_only_keyword_managers_change_lists(user_for, role):
    with pytest.raises(PermissionDenied):
        keyword_list_update(actor=user_for(role), code="legal", language="en", terms="sue")
    assert not KeywordList.objects.exists()


def test_the_current_matcher_merges_languages(keywords):
    KeywordList.objects.create(code="legal", language="fr", terms="avocat")

    matches = keyword_matcher_current().matches("Mon AVOCAT prépare un lawsuit")

    assert matches == {"legal": ["avocat", "lawsuit"]}


# --- Keyword lists: the page -------------------------------------------------------------


def test_keywords_page_shows_a_card_per_reason_and_a_box_per_language(client_for, keywords):
    KeywordList.objects.create(code="crisis", language="de", terms="Rückruf")

    response = client_for("admin").get("/keywords/")

    html = response.content.decode()
    for code in ("legal", "security", "crisis", "compliance", "profanity"):
        assert f'id="keywords-{code}"' in html
        for language in ("en", "fr", "de"):
            assert f'id="id_{code}_{language}_terms"' in html
    assert "2 terms" in html
    assert "lawsuit\nlawyer</textarea>" in html


def test_keywords_page_is_read_only_for_readers(client_for, keywords):
    html = client_for("manager").get("/keywords/").content.decode()

    assert '<textarea name="terms"' not in html
    assert "<code>lawsuit</code>" in html


def test_saving_a_list_from_the_page(client_for, keywords):
    response = client_for("admin").post(
        "/keywords/", {"code": "legal", "language": "fr", "terms": "avocat\nAvocat\nhuissier"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/keywords/#keywords-legal"
    assert KeywordList.objects.get(code="legal", language="fr").terms == "avocat\nhuissier"


def test_a_refused_term_is_shown_on_its_own_box(client_for, keywords):
    response = client_for("admin").post(
        "/keywords/", {"code": "legal", "language": "en", "terms": "lawsuit\n<b>z</b>x\nq"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "“q” is too short" in html
    assert 'id="id_legal_en_terms_error"' in html
    assert "&lt;b&gt;z&lt;/b&gt;x" in html  # the typed text is kept, escaped
    assert "<b>z</b>" not in html
    assert KeywordList.objects.get().terms == "lawsuit\nlawyer"


def test_try_it_shows_the_matched_terms_escaped(client_for):
    KeywordList.objects.create(code="security", language="en", terms="<b>hacked</b>\nphishing")
    hostile = '<script>alert(1)</script> we were <b>HACKED</b> by <img src=x onerror="x()">'

    response = client_for("social").post(
        "/keywords/try/", {"text": hostile}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="keywords-try-result"')
    assert "&lt;b&gt;hacked&lt;/b&gt;" in html
    for raw in ("<script", "<img", "<b>"):
        assert raw not in html
    assert "phishing" not in html


def test_try_it_without_htmx_shows_the_whole_page(client_for, keywords):
    response = client_for("manager").post("/keywords/try/", {"text": "I will sue, lawsuit!"})

    html = response.content.decode()
    assert 'id="keywords-legal"' in html
    assert "lawsuit</span>" in html


def test_try_it_reports_no_match_and_an_empty_text(client_for, keywords):
    client = client_for("manager")

    nothing = client.post("/keywords/try/", {"text": "Lovely"}, HTTP_HX_REQUEST="true")
    empty = client.post("/keywords/try/", {"text": ""}, HTTP_HX_REQUEST="true")

    assert "No term of the saved lists" in nothing.content.decode()
    assert 'class="field__errors"' in empty.content.decode()


# --- Watchlist ---------------------------------------------------------------------------


def test_watched_author_add_and_remove_are_audited(social_user):
    watched = watched_author_add(
        actor=social_user, platform="x", author_id=" 42 ", author_handle="@troll", reason="Spam"
    )

    assert (watched.author_id, watched.author_handle, watched.added_by) == (
        "42",
        "troll",
        social_user,
    )
    added = AuditEvent.objects.get(verb="watchlist.add")
    assert added.after == {
        "platform": "x",
        "author_id": "42",
        "author_handle": "troll",
        "reason": "Spam",
    }

    watched_author_remove(actor=social_user, watched=watched)

    assert not WatchedAuthor.objects.exists()
    assert AuditEvent.objects.get(verb="watchlist.remove").before["author_id"] == "42"


def test_watched_author_duplicates_and_bad_input_are_refused(social_user):
    watched_author_add(actor=social_user, platform="x", author_id="42")

    with pytest.raises(ValidationError) as caught:
        watched_author_add(actor=social_user, platform="x", author_id="42", author_handle="b")
    assert caught.value.message_dict["author_id"] == ["This author is already on the watchlist."]
    with pytest.raises(ValidationError) as caught:
        watched_author_add(actor=social_user, platform="myspace", author_id="")
    assert set(caught.value.message_dict) == {"platform", "author_id"}
    watched_author_add(actor=social_user, platform="mastodon", author_id="42")  # another network
    assert WatchedAuthor.objects.count() == 2


@pytest.mark.parametrize("role", ["manager", "legal", NO_ROLE])
def test_only_watchlist_managers_change_it(user_for, role):
    with pytest.raises(PermissionDenied):
        watched_author_add(actor=user_for(role), platform="x", author_id="42")


def test_watchlist_page_refuses_a_duplicate_with_a_message(client_for):
    client = client_for("social")
    form = {"platform": "x", "author_id": "42", "author_handle": "<i>troll</i>"}
    client.post("/watchlist/", form)

    response = client.post("/watchlist/", form)

    html = response.content.decode()
    assert response.status_code == 200
    assert "This author is already on the watchlist." in html
    assert "@&lt;i&gt;troll&lt;/i&gt;" in html
    assert WatchedAuthor.objects.count() == 1


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url", ["/brand-accounts/", "/watchlist/", "/keywords/"])
def test_list_pages_query_count_does_not_grow(client_for, admin_user, url):
    client = client_for("admin")

    def add(n, start):
        for i in range(start, start + n):
            account = BrandAccount.objects.create(
                platform="x", handle=f"acct{i}", team=TeamFactory()
            )
            MentionFactory(impersonates=account)
            WatchedAuthor.objects.create(platform="x", author_id=str(i), added_by=admin_user)
            KeywordList.objects.create(code="legal", language=f"l{i:02d}"[:3], terms="sue")

    add(3, 0)
    client.get(url)  # warm: the freeze banner cached, as after any first page
    few = _queries(client, url)
    add(27, 3)
    many = _queries(client, url)

    assert many == few


# --- API ---------------------------------------------------------------------------------


def test_api_keyword_list_update_goes_through_the_service(api_client_for, keywords):
    response = api_client_for("admin").patch(
        f"/api/v1/keyword-lists/{keywords.pk}/", {"terms": "sue\nSue\nq"}, format="json"
    )

    assert response.status_code == 400
    assert "“q” is too short" in str(response.json())
    response = api_client_for("admin").patch(
        f"/api/v1/keyword-lists/{keywords.pk}/", {"terms": "sue\nSue"}, format="json"
    )
    assert response.json()["terms"] == "sue"
    assert response.json()["term_count"] == 1
    assert AuditEvent.objects.get().after["removed"] == ["lawsuit", "lawyer"]


def test_api_refuses_a_second_list_for_the_same_reason_and_language(api_client_for, keywords):
    response = api_client_for("admin").post(
        "/api/v1/keyword-lists/", {"code": "legal", "language": "en", "terms": "x1"}, format="json"
    )

    assert response.status_code == 400
    assert KeywordList.objects.get().terms == "lawsuit\nlawyer"


def test_api_watchlist_refuses_duplicates(api_client_for):
    client = api_client_for("social")
    body = {"platform": "x", "author_id": "42"}

    assert client.post("/api/v1/watchlist/", body, format="json").status_code == 201
    second = client.post("/api/v1/watchlist/", body, format="json")

    assert second.status_code == 400
    assert second.json()["author_id"] == ["This author is already on the watchlist."]


# --- Navigation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("social", {"/keywords/", "/watchlist/", "/brand-accounts/", "/spikes/"}),
        ("manager", {"/keywords/", "/brand-accounts/", "/spikes/"}),
        ("admin", {"/keywords/", "/watchlist/", "/brand-accounts/", "/spikes/"}),
        ("legal", set()),
        ("hr", {"/brand-accounts/"}),
        (NO_ROLE, set()),
    ],
)
def test_navigation_offers_the_lists_to_who_may_use_them(client_for, role, expected):
    items = {item["url"] for item in client_for(role).get("/").context["nav_items"]}

    assert items & {"/keywords/", "/watchlist/", "/brand-accounts/", "/spikes/"} == expected
