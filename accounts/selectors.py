from django.db.models import Prefetch

from accounts.models import IdentityProvider, Team, TeamMembership, User


def users_with_roles_and_teams():
    return User.objects.prefetch_related("groups", "teams").select_related("manager")


def teams_with_memberships():
    return Team.objects.prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.select_related("user")),
        "members",  # TeamSerializer reads team.members before it lists the memberships
    )


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
