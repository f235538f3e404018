"""The rules' "open or link an incident" action, run on what the pipeline stores.

The rule engine (alerting.services.rules) only notes, on each mention, the rules whose
incident action fired; this hook, registered in IncidentsConfig.ready, groups the
stored mentions by rule and declares or links once per rule and batch. It runs in
the batch's transaction, inside a savepoint: an incident that cannot be declared is
logged and never costs the batch its mentions.
"""

import logging
from collections import defaultdict

from django.db import transaction

from alerting.models import Rule
from incidents.models import Playbook
from incidents.services.declare import incident_open_or_link_for_rule

logger = logging.getLogger(__name__)


def open_or_link_for_stored(stored: list[tuple[int, object]]) -> None:
    by_rule: dict[int, list[int]] = defaultdict(list)
    for pk, mention in stored:
        for rule_id in getattr(mention, "incident_rule_ids", ()):
            by_rule[rule_id].append(pk)
    if not by_rule:
        return
    rules = Rule.objects.in_bulk(list(by_rule))
    actions = {pk: (rule.actions or {}).get("incident") or {} for pk, rule in rules.items()}
    playbooks = Playbook.objects.filter(is_active=True).in_bulk(
        [a["playbook"] for a in actions.values() if a.get("playbook")]
    )
    for rule_id, mention_ids in by_rule.items():
        rule = rules.get(rule_id)
        if rule is None:  # deleted since the rule set was compiled
            continue
        action = actions[rule_id]
        try:
            with transaction.atomic():
                incident_open_or_link_for_rule(
                    rule=rule,
                    mention_ids=mention_ids,
                    playbook=playbooks.get(action.get("playbook")),
                    severity=action.get("severity"),
                )
        except Exception:  # the mentions matter more than the incident: keep them
            logger.exception("rule %s could not open or link an incident", rule_id)
