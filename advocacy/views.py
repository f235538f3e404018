"""Advocacy pages: the library for everyone, curators' management, shares, tracked links."""

from django.contrib.auth.decorators import login_required  # noqa: F401
from django.http import Http404, HttpResponseRedirect
from django.views.decorators.cache import never_cache

from advocacy import services


@never_cache
def share_redirect(request, token):
    """A tracked link (public, no sign-in): count the click, go to the post's own link."""
    destination = services.share_click(token=token)
    if destination is None:
        raise Http404
    return HttpResponseRedirect(destination)
