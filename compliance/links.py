"""Checking that a post's links answer, over real HTTP, without reaching private networks.

Through riskdesk.outbound's guarded client, like every outbound call: each hop
connects only to a public address it checked. Redirects are followed here, hop
by hop, to tell which URL answered in the end.
"""

import httpx
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance import conf
from riskdesk import outbound

MAX_REDIRECTS = outbound.MAX_REDIRECTS
USER_AGENT = "riskdesk-link-check/1 (sponsored post review)"


def check_url(url: str) -> dict:
    """{"result": ok|broken|blocked, "status", "detail", "final_url", "checked_at"}."""
    timeout = conf.get("COMPLIANCE_LINK_TIMEOUT")
    client = outbound.client(
        timeout=timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
    )
    state = {"status": None, "detail": "", "final_url": url}
    try:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                response = client.head(current)
            except outbound.Refused as exc:
                if current != url:  # a hop: say no more than that
                    raise outbound.Refused(outbound.REDIRECT_REFUSED) from exc
                raise
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
    except outbound.Refused as exc:
        return _done("blocked", state, exc.message)
    except httpx.TimeoutException:
        return _done("broken", state, _("no answer within %(seconds)s s") % {"seconds": timeout})
    except httpx.HTTPError as exc:
        return _done(
            "broken", state, _("could not connect (%(error)s)") % {"error": type(exc).__name__}
        )
    finally:
        client.close()


def _done(result: str, state: dict, detail: str) -> dict:
    return {**state, "result": result, "detail": detail, "checked_at": timezone.now().isoformat()}
