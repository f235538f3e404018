from django.contrib.auth.backends import BaseBackend

# What every active, signed-in person may do whatever their roles.
BASELINE_PERMISSIONS = frozenset({"accounts.view_user", "accounts.view_team"})


class BaselinePermissionBackend(BaseBackend):
    """Grants the baseline permissions to every active user; authenticates nobody."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(BASELINE_PERMISSIONS)
