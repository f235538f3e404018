"""Conversations: what a reply learns from the post it answers, and threads that grow fast.

Three parts of the ingestion pipeline, registered in MonitoringConfig.ready:

- `thread_context`, a step after enrichment and before the rules: a reply whose parent
  is in the batch or already stored (one query per batch) takes its parent's thread when
  it came without one, and inherits the parent's context as a risk reason. A reply to an
  impersonator is a `security` case (the victim of a scam: urgent); a reply to a post
  flagged `crisis` or `security` inherits that code, naming the parent. The brand's own
  replies inherit nothing: they are not work. A parent that is not known yet adds nothing
  then, and everything when it comes:
- `late_replies`, an on-store hook: networks do not deliver in order, and a reply can be
  stored a poll before the post it answers. When that post is stored, its replies stored
  before learn their thread and its context as `thread_context` would have taught them; one
  that gains a reason and has no team goes through the rules again (team, priority, tags, its
  SLA clock from when it was received, the team's notification). Audited, with no actor.
- `fast_threads`, an on-store hook: the replies in the last hour of the batch's threads,
  counted in one query; a thread at MONITORING_THREAD_FAST_REPLIES or more raises its
  root's risk with a `reach` reason ("thread: N replies in the last hour"), updated as the
  thread grows rather than repeated, and audited as a change the system made; a root with
  no team goes through the rules again, as a late reply does.

A weight joins a score as independent probabilities do (`combine`), as risk.py combines
its signals. Reasons are the risk model's dicts: the keys they carry are kept as they are.
"""

import math
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F
from django.utils import timezone

from monitoring.connectors.base import NormalizedMention
from monitoring.models import Mention, MentionStatus
from monitoring.pipeline import in_flight, routed_later
from monitoring.selectors import ids_with_keys, keys_q
from offboarding.models import BrandAccount
from riskdesk.audit import audit_record

IMPERSONATOR_REPLY_WEIGHT = 75.0  # alone it scores 75: urgent (70 and more)
INHERITED_WEIGHTS = {"security": 40.0, "crisis": 30.0}  # a reply in a flagged conversation
FAST_WEIGHT, FAST_WEIGHT_PER_DOUBLING, FAST_WEIGHT_MAX = 25.0, 5.0, 40.0
FAST_WINDOW = timedelta(hours=1)
THREAD_DETAIL = "thread: {n} replies in the last hour"
_THREAD_DETAIL = re.compile(r"^thread: (\d+) replies in the last hour$")


def combine(score: float, weight: float) -> int:
    """`score` (0-100) with one more signal of `weight` (0-100), as independent probabilities."""
    score, weight = min(max(score, 0.0), 100.0), min(max(weight, 0.0), 100.0)
    return round(100 * (1 - (1 - score / 100) * (1 - weight / 100)))


def _has(reasons, code: str, detail: str | None = None) -> bool:
    return any(
        isinstance(r, dict)
        and r.get("code") == code
        and (detail is None or r.get("detail") == detail)
        for r in reasons or ()
    )


def add_reason(mention, code: str, detail: str, weight: float) -> bool:
    """Give `mention` (stored or not) one more reason and the score it adds; once only.

    A reason of the same code the model gave already keeps its place and gains the detail
    ("security: 'entered my details'; reply to @1umora_support, ..."); reach, whose thread
    detail is updated as the thread grows, stays a reason of its own. A new one goes
    strongest first, as the risk model orders them: before the others when the weight
    reaches the score they make together, after them otherwise. Context is a fact, not a
    guess: its confidence is 1.
    """
    reasons = [dict(r) if isinstance(r, dict) else r for r in mention.risk_reasons or []]
    if _has(reasons, code, detail) or any(
        isinstance(r, dict) and r.get("code") == code and detail in (r.get("detail") or "")
        for r in reasons
    ):
        return False
    same = next(
        (r for r in reasons if isinstance(r, dict) and r.get("code") == code != "reach"), None
    )
    if same is not None:  # counted once: the score takes the context's weight at least
        same["detail"] = f"{same.get('detail') or code}; {detail}"
        same["confidence"] = 1.0
        mention.risk_score = max(mention.risk_score or 0, round(weight))
    else:
        reason = {"code": code, "detail": detail, "confidence": 1.0}
        reasons.insert(0 if weight >= (mention.risk_score or 0) else len(reasons), reason)
        mention.risk_score = combine(mention.risk_score or 0, weight)
    mention.risk_reasons = reasons
    return True


# --- The step: context from the parent ------------------------------------------------------


@dataclass(frozen=True)
class Parent:
    """What a reply needs of the post it answers, stored or in the same batch."""

    platform: str
    external_id: str
    author_id: str
    author_handle: str
    thread_id: str
    reasons: list
    impersonates_id: int | None = None
    imitated_handle: str = ""  # the brand account the parent's author imitates


def _shown(handle: str) -> str:
    handle = (handle or "").strip()
    return handle if handle.startswith(("@", "u/", "/u/")) else f"@{handle}"


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stored_parents(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Parent]:
    if not keys:
        return {}
    rows = Mention.objects.filter(keys_q(keys)).values_list(
        "platform",
        "external_id",
        "author_id",
        "author_handle",
        "thread_id",
        "risk_reasons",
        "impersonates_id",
        "impersonates__handle",
    )
    return {
        (platform, external_id): Parent(
            platform,
            external_id,
            author_id,
            handle,
            thread_id,
            reasons or [],
            imitated,
            brand or "",
        )
        for platform, external_id, author_id, handle, thread_id, reasons, imitated, brand in rows
    }


def _batch_parent(mention: NormalizedMention, brand_handles: dict[int, str]) -> Parent:
    return Parent(
        mention.platform,
        mention.external_id,
        mention.author_id,
        mention.author_handle,
        mention.thread_id,
        mention.risk_reasons,
        mention.impersonates_id,
        brand_handles.get(mention.impersonates_id, ""),
    )


def _brand_handles(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(BrandAccount.objects.filter(pk__in=ids).values_list("pk", "handle"))


def _same_author(reply: NormalizedMention, parent: Parent) -> bool:
    if reply.author_id and parent.author_id:
        return reply.author_id == parent.author_id
    return bool(reply.author_handle) and reply.author_handle == parent.author_handle


def _learn(reply: NormalizedMention, parent: Parent) -> None:
    if not reply.thread_id:
        reply.thread_id = parent.thread_id or parent.external_id
    if reply.owned_by_id is not None:
        return  # the brand's own reply: context for others, not work
    if _same_author(reply, parent):
        return  # a thread of one author's own posts adds nothing to them
    told = set()
    if parent.impersonates_id is not None and reply.impersonates_id is None:
        brand = f", an account imitating {_shown(parent.imitated_handle)}"
        detail = f"reply to {_shown(parent.author_handle)}" + (
            brand if parent.imitated_handle else ", an account imitating the brand"
        )
        add_reason(reply, "security", _clip(detail, 160), IMPERSONATOR_REPLY_WEIGHT)
        told.add("security")  # what the impostor's post was flagged for goes without saying
    for code, weight in INHERITED_WEIGHTS.items():
        if _has(parent.reasons, code) and code not in told:
            whose = f"{_shown(parent.author_handle)}'s post" if parent.author_handle else "post"
            detail = f"reply to {whose} {_clip(parent.external_id, 60)}, flagged {code}"
            add_reason(reply, code, detail, weight)


def thread_context(batch: list[NormalizedMention]) -> None:
    """Pipeline step: each reply learns its thread and its parent's context (see the module)."""
    replies = [m for m in batch if m.parent_id and m.parent_id != m.external_id]
    if not replies:
        return
    # A page whose store is still behind this one (pipeline.StoreBehind) is as good as stored.
    in_batch = {**in_flight(), **{m.key: m for m in batch}}
    wanted = {(m.platform, m.parent_id) for m in replies} - set(in_batch)
    stored = _stored_parents(wanted)
    brand_handles = _brand_handles(
        {
            parent.impersonates_id
            for m in replies
            if (parent := in_batch.get((m.platform, m.parent_id))) is not None
            and parent.impersonates_id is not None
        }
    )
    # Oldest first: a parent in the batch has learned its own context before its replies.
    for reply in sorted(replies, key=lambda m: m.published_at):
        key = (reply.platform, reply.parent_id)
        if key in in_batch:
            _learn(reply, _batch_parent(in_batch[key], brand_handles))
        elif key in stored:
            _learn(reply, stored[key])


# --- Routing again: a stored mention whose risk rose ----------------------------------------

ROUTED_FIELDS = ["team", "priority", "rule_trace", "first_response_due_at", "resolve_due_at"]


def _route_again(mention: Mention, routed: list) -> bool:
    """Run the rules again on a stored mention with no team, now that its risk rose; when
    they route it, restart its SLA clock from its arrival, write its history and add it to
    `routed` for the routing hooks. The caller saves ROUTED_FIELDS (_save_risen)."""
    from alerting.services import route_again
    from inbox.models import MentionEvent
    from inbox.selectors import Targets

    if mention.owned_by_id is not None or mention.status == MentionStatus.OWN:
        return False
    subject = route_again(mention)
    if subject is None:
        return False
    if mention.first_response_at is None:
        mention.first_response_due_at, mention.resolve_due_at = Targets.load().due(
            start=mention.received_at, priority=mention.priority, team_id=mention.team_id
        )
    routed.append((mention.pk, subject))
    MentionEvent.objects.create(
        mention=mention, kind=MentionEvent.Kind.ROUTED, data={"team": mention.team_id}
    )
    return True


def _save_risen(
    mention: Mention, fields: list[str], routed: list | None, *, verb, before, after
) -> None:
    """Save what changed on a stored mention, routed again first when `routed` is a list (see
    _route_again), and audit it as a change the system made."""
    if routed is not None and _route_again(mention, routed):
        fields = [*fields, *ROUTED_FIELDS]
    mention.updated_at = timezone.now()
    mention.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=None,
        verb=verb,
        target=mention,
        before=before,
        after={"risk_score": mention.risk_score, "team_id": mention.team_id, **after},
    )


# --- The hook: replies stored before the post they answer ----------------------------------


def late_replies(stored: list[tuple[int, NormalizedMention]]) -> None:
    """On-store hook: earlier replies to the batch's mentions learn their context (see the
    module)."""
    if not stored:
        return
    parents = {m.key: m for _pk, m in stored}
    in_batch = {pk for pk, _m in stored}
    # The index mention_parent finds them; the batch's own replies learned in thread_context.
    ids = [pk for pk in ids_with_keys(parents, "parent_id") if pk not in in_batch]
    if not ids:
        return
    replies = list(Mention.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if not replies:
        return
    brand_handles = _brand_handles(
        {m.impersonates_id for m in parents.values() if m.impersonates_id is not None}
    )
    routed = []
    for reply in replies:
        before = {f: getattr(reply, f) for f in ("risk_score", "thread_id", "team_id")}
        reasons = reply.risk_reasons
        _learn(reply, _batch_parent(parents[(reply.platform, reply.parent_id)], brand_handles))
        learned = reply.risk_reasons != reasons
        if not learned and reply.thread_id == before["thread_id"]:
            continue
        _save_risen(
            reply,
            ["risk_score", "risk_reasons", "thread_id"],
            routed if learned else None,
            verb="mention.thread_context",
            before=before,
            after={"thread_id": reply.thread_id, "parent": reply.parent_id},
        )
    if routed:
        routed_later(routed)


# --- The hook: threads that grow fast -------------------------------------------------------


def fast_replies_threshold() -> int:
    return getattr(settings, "MONITORING_THREAD_FAST_REPLIES", 20)


def thread_weight(replies: int, threshold: int) -> float:
    """25 at the threshold, 5 more each time the pace doubles, 40 at most."""
    doublings = math.log2(max(replies, 1) / max(threshold, 1))
    return min(FAST_WEIGHT_MAX, FAST_WEIGHT + FAST_WEIGHT_PER_DOUBLING * max(doublings, 0.0))


def replies_last_hour(threads: set[tuple[str, str]], now=None) -> dict[tuple[str, str], int]:
    """{(platform, thread_id): replies published in the last hour}, the brand's own left out."""
    if not threads:
        return {}
    since = (now or timezone.now()) - FAST_WINDOW
    rows = (
        Mention.objects.filter(keys_q(threads, "thread_id"), published_at__gte=since)
        .exclude(external_id=F("thread_id"))
        .exclude(status=MentionStatus.OWN)
        .values_list("platform", "thread_id")
        .annotate(replies=Count("pk"))
        .order_by()
    )
    return {(platform, thread_id): replies for platform, thread_id, replies in rows}


def _raise_root(root: Mention, replies: int, threshold: int, routed: list) -> None:
    reasons = [dict(r) if isinstance(r, dict) else r for r in root.risk_reasons or []]
    weight = thread_weight(replies, threshold)
    detail = THREAD_DETAIL.format(n=replies)
    before = {"risk_score": root.risk_score}
    current = next(
        (
            r
            for r in reasons
            if isinstance(r, dict)
            and r.get("code") == "reach"
            and _THREAD_DETAIL.match(str(r.get("detail", "")))
        ),
        None,
    )
    if current is None:
        add_reason(root, "reach", detail, weight)
    else:
        counted = int(_THREAD_DETAIL.match(current["detail"]).group(1))
        if replies <= counted:
            return  # told already; a thread that slows down keeps the risk it reached
        # Only what the faster pace adds: (1 - new) = (1 - old) x (1 - added).
        old = thread_weight(counted, threshold)
        added = 100 * (1 - (1 - weight / 100) / (1 - old / 100)) if weight > old else 0.0
        current["detail"] = detail
        root.risk_reasons = reasons
        root.risk_score = combine(root.risk_score, added)
    _save_risen(
        root,
        ["risk_score", "risk_reasons"],
        routed,
        verb="mention.thread_risk",
        before=before,
        after={"replies_last_hour": replies},
    )


def fast_threads(stored: list[tuple[int, NormalizedMention]]) -> None:
    """On-store hook: raise the roots of the batch's threads that grow fast (see the module)."""
    threshold = fast_replies_threshold()
    if threshold <= 0:
        return
    threads = {
        (m.platform, m.thread_id)
        for _pk, m in stored
        if m.thread_id and m.thread_id != m.external_id and m.status != MentionStatus.OWN
    }
    fast = {key: n for key, n in replies_last_hour(threads).items() if n >= threshold}
    if not fast:
        return
    roots = Mention.objects.select_for_update().filter(keys_q(fast)).order_by("pk")
    routed = []
    for root in roots:
        _raise_root(root, fast[(root.platform, root.external_id)], threshold, routed)
    if routed:
        routed_later(routed)
