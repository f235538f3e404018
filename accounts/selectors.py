from django.db.models import Prefetch

from accounts.models import Team, TeamMembership, User


def users_with_roles_and_teams():
    return User.objects.prefetch_related("groups", "teams").select_related("manager")


def teams_with_memberships():
    return Team.objects.prefetch_related(
        Prefetch("memberships", queryset=TeamMembership.objects.select_related("user")),
        "members",  # TeamSerializer reads team.members before it lists the memberships
    )


def has_confirmed_totp(user: User) -> bool:
    return user.totpdevice_set.filter(confirmed=True).exists()
