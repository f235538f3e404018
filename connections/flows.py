"""The sign-in in progress: its single-use `state` and PKCE verifier, kept (encrypted) in
the signed-in person's session until the network sends them back to the callback.

A state is taken once: missing, reused, another person's or older than FLOW_TTL, it is
refused and nothing is saved.
"""

import time

from django.utils.translation import gettext as _

from riskdesk import crypto

SESSION_KEY = "connections_oauth_flows"
FLOW_TTL = 600  # seconds between leaving for the network and coming back
MAX_FLOWS = 5  # started but never finished: the oldest are dropped


class FlowRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def start(request, state: str, flow: dict) -> None:
    flows = dict(request.session.get(SESSION_KEY) or {})
    kept = flow | {"user": request.user.pk, "started": time.time()}
    flows[state] = crypto.encrypt_json(kept)
    request.session[SESSION_KEY] = dict(list(flows.items())[-MAX_FLOWS:])


def take(request, state: str | None) -> dict:
    """The flow `state` names, removed from the session; FlowRefused if it cannot be used."""
    if not state:
        raise FlowRefused(_("The network sent no state back: nothing was saved."))
    flows = dict(request.session.get(SESSION_KEY) or {})
    stored = flows.pop(state, None)
    request.session[SESSION_KEY] = flows
    if stored is None:
        raise FlowRefused(
            _("This sign-in is unknown or was already used: start again from the list.")
        )
    try:
        flow = crypto.decrypt_json(stored)
    except crypto.SecretUnreadable as exc:
        raise FlowRefused(_("This sign-in cannot be read: start again.")) from exc
    if flow.get("user") != request.user.pk:
        raise FlowRefused(_("This sign-in was started by someone else: nothing was saved."))
    if time.time() - flow.get("started", 0) > FLOW_TTL:
        raise FlowRefused(_("This sign-in took too long and expired: start again."))
    return flow
