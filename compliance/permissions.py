from riskdesk.permissions import has_perm, rule


def _review(user, post) -> bool:
    """Legal reviews; nobody decides on a post they wrote."""
    if not user.has_perm("compliance.review_sponsoredpost"):
        return False
    return post is None or post.author_id != user.pk


rule("sponsored_post.view", has_perm("compliance.view_sponsoredpost"))
rule("sponsored_post.create", has_perm("compliance.add_sponsoredpost"))
rule("sponsored_post.change", has_perm("compliance.change_sponsoredpost"))
rule("sponsored_post.submit", has_perm("compliance.change_sponsoredpost"))
rule("sponsored_post.review", _review)
rule("sponsored_post.publish", has_perm("compliance.publish_sponsoredpost"))
rule("sponsored_post.comment", has_perm("compliance.view_sponsoredpost"))
rule("compliance_rules.view", has_perm("compliance.view_rulelist"))
rule("compliance_rules.manage", has_perm("compliance.change_rulelist"))
