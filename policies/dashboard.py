"""The policies and training card of the dashboard (templates/policies/_dashboard_card.html).

Everyone sees the policies they still have to acknowledge and their own training
that is expired, missing or about to expire. Managers and HR (compliance.view)
also see policies due or overdue for review, revisions waiting for their review,
and acknowledgement and training compliance per team.
"""

from policies import selectors
from policies.models import ReviewStatus
from policies.selectors import TrainingState
from riskdesk.permissions import can

DUE_SHOWN = 6


def dashboard_card(user) -> dict | None:
    if not can(user, "policy.view"):
        return None
    sees_compliance = can(user, "compliance.view")
    people = selectors.directory(only=None if sees_compliance else [user.pk])
    me = selectors.Directory(
        people={pk: person for pk, person in people.people.items() if pk == user.pk},
        teams=people.teams,
    )
    modules = list(selectors.training_modules().filter(is_active=True))
    mine = [s for s in selectors.training_statuses(modules, me) if s.state != TrainingState.CURRENT]
    card = {
        "pending": selectors.pending_acknowledgements(user),
        "my_training": mine,
        "to_review": list(selectors.revisions_awaiting(user)[:DUE_SHOWN]),
        "compliance": None,
    }
    if sees_compliance:
        policies = list(selectors.policies_for_list())
        acks = selectors.acknowledgement_completion(policies, people)
        statuses = selectors.training_statuses(modules, people)
        due = [
            p
            for p in sorted(policies, key=lambda p: (p.next_review_on is None, p.next_review_on))
            if p.review_status in (ReviewStatus.DUE, ReviewStatus.OVERDUE)
        ]
        card["compliance"] = {
            "reviews_due": due[:DUE_SHOWN],
            "reviews_due_more": max(0, len(due) - DUE_SHOWN),
            "overdue_reviews": sum(p.review_status == ReviewStatus.OVERDUE for p in due),
            "due_reviews": sum(p.review_status == ReviewStatus.DUE for p in due),
            "teams": selectors.compliance_by_team(people, acks, statuses),
            "training_overdue": sum(s.overdue for s in statuses),
        }
    return card
