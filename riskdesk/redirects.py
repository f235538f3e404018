"""Where a page sends the person back to: the `next` they came with, only if it is ours."""

from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, default: str | None = None) -> str | None:
    """The request's `next` (form field, then query), when it is a page of this site;
    otherwise `default`. Never another host: a forged `next` is not an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
