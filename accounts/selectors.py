from django.db.models import Exists, OuterRef, Prefetch

from accounts.models import IdentityProvider, Team, TeamKind, TeamMembership, User

# The kinds of team whose membership changes what a person may see or do: the restricted
# queues (monitoring.models.RESTRICTED_TEAM_KINDS) and Security (offboarding.permissions).
SPECIAL_TEAM_KINDS = (TeamKind.LEGAL, TeamKind.HR, TeamKind.SECURITY)


def users_with_roles_and_teams():
    return User.objects.prefetch_related("groups", "teams").select_related("manager")


def teams_with_memberships():
    return Team.objects.prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.select_related("user")),
        "members",  # TeamSerializer reads team.members before it lists the memberships
    )


def special_teams(user) -> list[tuple[int, str, bool]]:
    """(pk, kind, is_member) of every team of a SPECIAL_TEAM_KINDS kind, for `user`.

    Kept on the user object, as Django keeps its permissions: the visibility rule and the
    Security rules both ask on every page, and one query answers both.
    """
    if not hasattr(user, "_special_teams"):
        mine = TeamMembership.objects.filter(team=OuterRef("pk"), user=user.pk)
        user._special_teams = list(
            Team.objects.filter(kind__in=SPECIAL_TEAM_KINDS)
            .annotate(is_member=Exists(mine))
            .values_list("pk", "kind", "is_member")
        )
    return user._special_teams


def has_confirmed_totp(user: User) -> bool:
    return user.totpdevice_set.filter(confirmed=True).exists()


def two_factor_pending(user) -> bool:
    """Signed in, must use a second factor (a confirmed device or their role), not verified."""
    if not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)  # set by django_otp's middleware
    if is_verified is not None and is_verified():
        return False
    return user.must_use_two_factor or has_confirmed_totp(user)


def enabled_sso_providers():
    return IdentityProvider.objects.filter(is_enabled=True).order_by("name")


def password_sign_in_allowed() -> bool:
    """Off when an enabled single sign-on provider turned password sign-in off."""
    return not enabled_sso_providers().filter(password_sign_in=False).exists()
