"""Who may do what with the advocacy library and its shares.

Everyone signed in sees the available posts and shares them (once the training gate
lets them: advocacy.selectors.readiness, checked by the share service); curators
(managers and the social team) write, submit to legal, retire and see every share.
"""

from riskdesk.permissions import any_of, has_perm, rule

CURATE = "advocacy.curate_librarypost"


def signed_in(user, obj) -> bool:
    return True  # riskdesk.permissions.can already refuses anonymous and inactive users


def own_share(user, share) -> bool:
    return share is None or share.user_id == user.pk


rule("library_post.view", signed_in)
rule("library_post.curate", has_perm(CURATE))
rule("share.create", signed_in)
rule("share.view", any_of(own_share, has_perm(CURATE)))
rule("share.view_all", has_perm(CURATE))
