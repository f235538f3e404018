"""Advocacy pages: the library for everyone, curators' management, shares, tracked links."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from advocacy import content, selectors, services
from advocacy.forms import LibraryPostForm, ShareForm
from advocacy.models import COPY, LINK_ONLY_TARGETS, LibraryStatus, ShareTarget
from compliance.models import Market
from incidents import freeze
from riskdesk.forms import add_service_errors
from riskdesk.permissions import can, require

# Networks whose share dialog takes the whole text: one click opens it, prefilled.
DIRECT = (ShareTarget.X, ShareTarget.MASTODON, ShareTarget.BLUESKY)


def _curated(pk: int):
    return get_object_or_404(selectors.library_posts(), pk=pk)


def _market_choices(post) -> list[tuple[str, str]]:
    labels = dict(Market.choices)
    return [(code, str(labels.get(code, code))) for code in post.markets]


@login_required
def library(request):
    """Available posts with their share buttons, or what stands between the person and them."""
    require(request.user, "library_post.view")
    services.library_posts_sync()
    posts = list(selectors.available_posts())
    active = freeze.current_freeze()
    for post in posts:
        post.block = selectors.share_block(post, active=active)
        post.market_choices = _market_choices(post)
        post.targets = [(v, label) for v, label in ShareTarget.choices if v in post.networks]
    return render(
        request,
        "advocacy/library.html",
        {
            "posts": posts,
            "gate": selectors.readiness(request.user),
            "instance": selectors.last_instance(request.user),
            "can_curate": can(request.user, "library_post.curate"),
        },
    )


@login_required
@require_POST
def share(request, pk):
    require(request.user, "share.create")
    post = get_object_or_404(selectors.library_for(request.user), pk=pk)
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a network and a market."))
        return redirect("advocacy_library")
    try:
        made = services.share_create(actor=request.user, post=post, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("advocacy_library") + f"#post-{post.pk}")
    # Our own page opens the network's dialog: the CSP's form-action keeps a form's
    # redirect on this site, and the person keeps the text to copy if the dialog fails.
    url = reverse("advocacy_share_detail", kwargs={"pk": made.pk})
    return redirect(url + ("?open=1" if made.network in DIRECT else ""))


@login_required
def share_detail(request, pk):
    """The shared text to copy (and, for LinkedIn and Facebook, their link-only dialog)."""
    made = get_object_or_404(selectors.shares_for(request.user), pk=pk)
    require(request.user, "share.view", made)
    return render(
        request,
        "advocacy/share_detail.html",
        {
            "share": made,
            "share_url": services.share_url(made),
            "open_now": request.GET.get("open") == "1" and made.network in DIRECT,
            "link_only": made.network in LINK_ONLY_TARGETS,
            "is_copy": made.network == COPY,
        },
    )


@never_cache
def share_redirect(request, token):
    """A tracked link (public, no sign-in): count the click, go to the post's own link."""
    destination = services.share_click(token=token)
    if destination is None:
        raise Http404
    return HttpResponseRedirect(destination)


# --- Curators -----------------------------------------------------------------------------


@login_required
def manage(request):
    require(request.user, "library_post.curate")
    services.library_posts_sync()
    posts = selectors.library_posts()
    status = request.GET.get("status", "")
    if status in LibraryStatus.values:
        posts = posts.filter(status=status)
    return render(
        request,
        "advocacy/manage.html",
        {"posts": posts, "statuses": LibraryStatus.choices, "status": status},
    )


def _post_values(form) -> dict:
    data = dict(form.cleaned_data)
    data.pop("version", None)
    return data


@login_required
def post_create(request):
    require(request.user, "library_post.curate")
    form = LibraryPostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.library_post_create(actor=request.user, **_post_values(form))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Post “%(title)s” saved as a draft.") % {"title": post})
            return redirect("advocacy_post_detail", pk=post.pk)
    return render(
        request,
        "advocacy/post_form.html",
        {"form": form, "post": None},
        status=400 if form.errors else 200,
    )


@login_required
def post_edit(request, pk):
    post = _curated(pk)
    require(request.user, "library_post.curate", post)
    form = LibraryPostForm(request.POST or None, post=post)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.library_post_update(
                actor=request.user,
                post=post,
                version=form.cleaned_data.get("version"),
                **_post_values(form),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("advocacy_post_detail", pk=post.pk)
    return render(
        request,
        "advocacy/post_form.html",
        {"form": form, "post": post},
        status=400 if form.errors else 200,
    )


@login_required
def post_detail(request, pk):
    require(request.user, "library_post.curate")
    services.library_posts_sync()
    post = _curated(pk)
    shares = list(selectors.post_shares(post))
    return render(
        request,
        "advocacy/post_detail.html",
        {
            "post": post,
            "legal": selectors.legal_state(post),
            "share_blocked": selectors.share_block(post),
            "shares": shares,
            "clicks": sum(s.clicks for s in shares),
            "legal_text": content.legal_text(post),
        },
    )


def _action(request, pk, service, success: str):
    post = _curated(pk)
    require(request.user, "library_post.curate", post)
    try:
        service(actor=request.user, post=post)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("advocacy_post_detail", pk=pk)


@login_required
@require_POST
def post_ask_legal(request, pk):
    return _action(
        request, pk, services.library_post_ask_legal, _("Sent to legal: it waits in their queue.")
    )


@login_required
@require_POST
def post_publish(request, pk):
    return _action(
        request, pk, services.library_post_publish, _("Available: employees can share it now.")
    )


@login_required
@require_POST
def post_retire(request, pk):
    return _action(request, pk, services.library_post_retire, _("Retired: nobody can share it."))
