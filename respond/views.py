"""The respond pages: a failed reply sent again, and moderation, from the mention's panel.

They answer with the inbox's panel (inbox.views), as its own actions do.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from inbox.models import MentionReply
from inbox.views import _after_action, _error_text, _mention_or_404, chosen_account
from respond import services
from respond.forms import ModerationForm


@login_required
@require_POST
def mention_reply_retry(request, pk, reply_pk):
    mention = _mention_or_404(request, pk)
    reply = get_object_or_404(MentionReply, pk=reply_pk, mention=mention)
    error = None
    try:
        services.reply_retry(actor=request.user, reply=reply)
    except ValidationError as exc:
        error = _error_text(exc)
    return _after_action(request, mention, error=error)


@login_required
@require_POST
def mention_moderate(request, pk):
    """Hide or show a comment, delete the brand's reply, or report the author."""
    mention = _mention_or_404(request, pk)
    form = ModerationForm(request.POST)
    error = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            record = services.moderate(
                actor=request.user,
                mention=mention,
                action=data["action"],
                reason=data["reason"],
                account=chosen_account(request.user, mention, data["account"]),
                reply=mention.replies.filter(pk=data["reply"]).first() if data["reply"] else None,
            )
            if record.outcome == record.Outcome.FAILED:
                error = record.summary
        except ValidationError as exc:
            error = _error_text(exc)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return _after_action(request, mention, error=error)
