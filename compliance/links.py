"""Checking that a post's links answer, over real HTTP, without reaching private networks.

Redirects are followed by hand so every hop goes through
`riskdesk.outbound.ensure_public_address`, like the monitoring connectors do.
"""

import httpx
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import conf
from riskdesk.outbound import PrivateAddress, ensure_public_address

MAX_REDIRECTS = 5
USER_AGENT = "riskdesk-link-check/1 (sponsored post review)"


def check_url(url: str, *, client: httpx.Client | None = None) -> dict:
    """{"result": ok|broken|blocked, "status", "detail", "final_url", "checked_at"}."""
    owns = client is None
    timeout = conf.get("COMPLIANCE_LINK_TIMEOUT")
    client = client or httpx.Client(
        timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
    )
    state = {"status": None, "detail": "", "final_url": url}
    try:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            ensure_public_address(current)
            response = client.head(current)
            if response.status_code in (403, 405, 501):  # some servers refuse HEAD
                with client.stream("GET", current) as streamed:
                    response = streamed
            state["status"] = response.status_code
            state["final_url"] = current
            if response.is_redirect and response.headers.get("location"):
                current = str(response.url.join(response.headers["location"]))
                continue
            break
        else:
            return _done("broken", state, _("too many redirects"))
        if state["status"] >= 400:
            return _done("broken", state, _("HTTP %(status)s") % state)
        return _done("ok", state, "")
    except PrivateAddress as exc:
        return _done("blocked", state, str(exc))
    except httpx.TimeoutException:
        return _done("broken", state, _("no answer within %(seconds)s s") % {"seconds": timeout})
    except httpx.HTTPError as exc:
        return _done(
            "broken", state, _("could not connect (%(error)s)") % {"error": type(exc).__name__}
        )
    finally:
        if owns:
            client.close()


def _done(result: str, state: dict, detail: str) -> dict:
    return {**state, "result": result, "detail": detail, "checked_at": timezone.now().isoformat()}
