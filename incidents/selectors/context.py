"""The publishing freeze on every page (wired in settings' context processors)."""

from django.utils.functional import SimpleLazyObject

from incidents import freeze as freezes


def publishing_freeze(request):
    """`publishing_freeze`: the active freeze or None, read once and only if a template asks."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"publishing_freeze": None}
    return {"publishing_freeze": SimpleLazyObject(lambda: freezes.current_freeze())}
