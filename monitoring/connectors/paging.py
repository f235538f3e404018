"""Reading a newest-first listing down to what the last run saw (Bluesky, YouTube).

The cursor holds the watermark ("newest": time, "ids" at that time) and, while a run
pages down, its progress ("page": token to ask next, "tokens" asked, "top"/"top_ids":
newest seen in the run). The watermark moves only when the run ends, so a run never
stops at what it has just read itself, and an interrupted run resumes where it was.
"""

from datetime import datetime

from monitoring.connectors.base import parse_time

TOKENS_KEPT = 100  # page cursors remembered within one run, to notice a loop


def is_seen(state: dict, at: datetime, item_id: str) -> bool:
    newest = parse_time(state.get("newest"))
    return newest is not None and (
        at < newest or (at == newest and item_id in state.get("ids", []))
    )


def after_page(
    state: dict, fresh: list[tuple[datetime, str]], token: str | None, reached_old: bool, label: str
) -> tuple[dict, bool, str]:
    """The state after a page of `fresh` (time, id) items: (state, read on now, problem)."""
    top, top_ids = parse_time(state.get("top")), list(state.get("top_ids", []))
    for at, item_id in fresh:
        if top is None or at > top:
            top, top_ids = at, [item_id]
        elif at == top:
            top_ids.append(item_id)
    asked = state.get("tokens", [])
    problem = ""
    if token and token in asked:
        problem = f"{label} sent page cursor {token!r} again: stopped paging to avoid a loop"
        token = None
    # Only a run from a watermark pages down: the first poll does not dig into the past.
    if token and fresh and state.get("newest") and not reached_old:
        running = {
            "newest": state["newest"],
            "ids": state.get("ids", []),
            "page": token,
            "tokens": [*asked, token][-TOKENS_KEPT:],
            "top": top.isoformat(),
            "top_ids": top_ids,
        }
        return running, True, problem
    newest, ids = parse_time(state.get("newest")), list(state.get("ids", []))
    if top is not None and (newest is None or top > newest):
        newest, ids = top, top_ids
    elif top is not None and top == newest:
        ids = list(dict.fromkeys(ids + top_ids))
    return ({"newest": newest.isoformat(), "ids": ids} if newest else {}), False, problem
