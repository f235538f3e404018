"""Who may see, manage and act as connected accounts. Imported by ConnectionsConfig.ready().

Acting as a brand account (replying, sending a private message, moderating) takes two
things: a role that acts at all (`connections.act_connectedaccount`) and a place on that
account's list of people or teams. Admins manage the accounts; they act only where listed.
"""

from riskdesk.permissions import has_perm, rule


def may_act_as(user, account) -> bool:
    """Whether `user` is listed on `account`, in person or through one of their teams."""
    if account is None or not user.has_perm("connections.act_connectedaccount"):
        return False
    if account.acting_people.filter(pk=user.pk).exists():
        return True
    return account.acting_teams.filter(members=user).exists()


rule("connected_account.view", has_perm("connections.view_connectedaccount"))
rule("connected_account.manage", has_perm("connections.change_connectedaccount"))
rule("connected_account.act", may_act_as)
