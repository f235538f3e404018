from functools import cache

from django.db import connection
from django.db.models import Prefetch
from django_otp.plugins.otp_totp.models import TOTPDevice

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
    Security rules both ask on every page, and one query answers both. It is written out
    because building it with the ORM cost five times its run, on every page.
    """
    if not hasattr(user, "_special_teams"):
        with connection.cursor() as cursor:
            cursor.execute(_special_teams_sql(), [user.pk, *SPECIAL_TEAM_KINDS])
            user._special_teams = [(pk, kind, bool(member)) for pk, kind, member in cursor]
    return user._special_teams


@cache
def _special_teams_sql() -> str:
    kinds = ", ".join(["%s"] * len(SPECIAL_TEAM_KINDS))
    return (
        f"SELECT t.id, t.kind, EXISTS (SELECT 1 FROM {TeamMembership._meta.db_table} m"  # noqa: S608
        f" WHERE m.team_id = t.id AND m.user_id = %s)"
        f" FROM {Team._meta.db_table} t WHERE t.kind IN ({kinds})"
    )


def has_confirmed_totp(user: User) -> bool:
    """Asked on every page by whoever has not verified a code (written out: see above)."""
    with connection.cursor() as cursor:
        cursor.execute(_confirmed_totp_sql(), [user.pk, True])
        return cursor.fetchone() is not None


@cache
def _confirmed_totp_sql() -> str:
    table = TOTPDevice._meta.db_table
    return f"SELECT 1 FROM {table} WHERE user_id = %s AND confirmed = %s LIMIT 1"  # noqa: S608


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
