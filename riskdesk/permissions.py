"""The one place that answers "may this user do X to this object".

Each action is a dotted name (`team.change`, `audit.view`) bound to a rule: a
predicate of (user, obj) built from Django permissions, which the role groups
carry, and from object facts. Apps declare their actions in their
`permissions.py`, imported by their AppConfig. Views, the API, services and
tasks all call `can` or `require`; an action nobody declared is an error, so a
typo can never grant access.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied

Rule = Callable[[object, object], bool]

_rules: dict[str, Rule] = {}


class UnknownAction(LookupError):
    pass


def rule(action: str, predicate: Rule) -> None:
    if action in _rules:
        raise ValueError(f"permission action {action!r} declared twice")
    _rules[action] = predicate


def has_perm(perm: str) -> Rule:
    """A rule met by users whose roles carry the Django permission `perm`."""
    return lambda user, obj: user.has_perm(perm)


def is_self(user, obj) -> bool:
    return obj is not None and getattr(obj, "pk", None) == user.pk


def any_of(*rules: Rule) -> Rule:
    return lambda user, obj: any(r(user, obj) for r in rules)


def can(user, action: str, obj=None) -> bool:
    try:
        predicate = _rules[action]
    except KeyError:
        raise UnknownAction(action) from None
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(predicate(user, obj))


def require(user, action: str, obj=None) -> None:
    """Raise PermissionDenied unless `user` may do `action` (to `obj`)."""
    if not can(user, action, obj):
        raise PermissionDenied(action)


def declared_actions() -> list[str]:
    return sorted(_rules)


rule("audit.view", has_perm("riskdesk.view_auditevent"))
