"""The writes of routing and alerting, one module per sub-feature.

`rules` (the engine, a pipeline step, and the rule services) with its vocabulary in
`conditions`; `notifications` (channels and the outbox) and `sending` (a worker
sending one row); `spikes` (detection and acknowledgement) with `baselines` (when a
stream or tag knows its usual volume) and `words` (what drives a spike). The names callers use
are re-exported here: `from alerting import services; services.rule_create(...)`.
"""

from alerting.services.conditions import FIELDS, validate_rule
from alerting.services.notifications import (
    channel_create,
    channel_delete,
    channel_test,
    channel_update,
    masked_target,
    notify_team,
    queue_for_stored,
)
from alerting.services.rules import (
    apply_rules,
    route_again,
    rule_create,
    rule_delete,
    rule_move,
    rule_test,
    rule_update,
)
from alerting.services.sending import notification_send, signature, verify_signature
from alerting.services.spikes import detect_spikes, spike_acknowledge

__all__ = [
    "FIELDS",
    "apply_rules",
    "channel_create",
    "channel_delete",
    "channel_test",
    "channel_update",
    "detect_spikes",
    "masked_target",
    "notification_send",
    "notify_team",
    "queue_for_stored",
    "route_again",
    "rule_create",
    "rule_delete",
    "rule_move",
    "rule_test",
    "rule_update",
    "signature",
    "spike_acknowledge",
    "validate_rule",
    "verify_signature",
]
