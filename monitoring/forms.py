"""The stream, keyword and watchlist forms. They only read input: services.* save and check it."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from connections.models import ConnectedAccount
from monitoring.connectors import CONNECTOR_PATHS, connector_choices, get_connector
from monitoring.enrichment import KEYWORD_CODES
from monitoring.models import Stream
from monitoring.services import CONNECTION_FIELDS, STREAM_FIELDS, connection_value
from riskdesk.networks import Platform
from riskdesk.permissions import can

OPTIONS_HELP = _(
    "A JSON object. What each connector reads: "
    "X: nothing; "
    'Mastodon: {"hashtag": "acme"}, or {"mode": "search"} or {"mode": "notifications"}; '
    "Bluesky: nothing; "
    'Reddit: {"subreddit": "acme"}; '
    'YouTube: {"video_ids": ["…"]}, {"channel_id": "…"} or {"search": true}; '
    'RSS/Atom: {"url": "https://…"}; '
    "Meta (webhooks): nothing. Leave {} when nothing is needed."
)


def connector_label(name: str) -> str:
    """The connector's display name, or its stored name if no such connector is installed."""
    try:
        return get_connector(name).label
    except (LookupError, ImportError):
        return name


class JSONObjectField(forms.JSONField):
    """A JSON textarea that must hold an object; empty means {}. Shown pretty-printed."""

    default_error_messages = {
        "invalid": _('This is not valid JSON. Write an object, such as {"hashtag": "acme"}.'),
        "not_object": _('Write a JSON object in braces, such as {"hashtag": "acme"}.'),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValidationError(self.error_messages["not_object"], code="not_object")
        return value

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        if value in (None, ""):
            value = {}
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, cls=self.encoder)


class ConnectedAccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({connector_label(obj.kind)})"


class StreamForm(forms.Form):
    """Create or edit a stream; `stream_fields()` gives what services.stream_* take."""

    name = forms.CharField(label=_("Name"), max_length=100)
    connector = forms.ChoiceField(
        label=_("Connector"),
        choices=lambda: [("", _("Choose a connector")), *connector_choices()],
    )
    query = forms.CharField(
        label=_("Query"),
        max_length=512,
        required=False,
        help_text=Stream._meta.get_field("query").help_text,
    )
    language = forms.CharField(
        label=_("Language"),
        max_length=8,
        required=False,
        help_text=_("Only posts in this language, as a code such as en or fr."),
    )
    options = JSONObjectField(
        label=_("Connector options"),
        required=False,
        initial=dict,
        help_text=OPTIONS_HELP,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    base_url = forms.URLField(
        label=_("API address"),
        required=False,
        assume_scheme="https",
        help_text=Stream._meta.get_field("base_url").help_text,
    )
    credential = ConnectedAccountChoiceField(
        label=_("Connected account"),
        queryset=ConnectedAccount.objects.filter(kind__in=list(CONNECTOR_PATHS)).order_by("name"),
        required=False,
        help_text=_("What the connector signs in with. Its secret is never shown here."),
    )
    poll_interval = forms.IntegerField(
        label=_("Poll every (seconds)"),
        min_value=10,
        max_value=86400,
        initial=120,
        help_text=_("Between 10 seconds and one day. Webhook streams ignore it."),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    team = forms.ModelChoiceField(
        label=_("Owning team"), queryset=Team.objects.order_by("name"), required=False
    )
    is_competitor = forms.BooleanField(
        label=_("Competitor"),
        required=False,
        help_text=Stream._meta.get_field("is_competitor").help_text,
    )

    FIELDS = STREAM_FIELDS

    def __init__(self, *args, instance: Stream | None = None, user=None, **kwargs):
        self.instance = instance
        # Who may not manage connected accounts keeps the stream's account and API address.
        self.connection_locked = user is not None and not can(user, "connected_account.manage")
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    name: getattr(instance, name)
                    for name in self.FIELDS
                    if name not in ("credential", "team")
                }
                | {"credential": instance.credential_id, "team": instance.team_id},
            )
        super().__init__(*args, **kwargs)
        if self.connection_locked:
            for name in CONNECTION_FIELDS:
                # Shown greyed out (templates/includes/field.html says why); a posted value
                # is not read.
                self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        if self.connection_locked:
            # A browser posts no disabled field: one that arrives anyway with another value
            # than the stream's is a hand-made request, refused rather than silently dropped.
            for name in CONNECTION_FIELDS:
                sent = (self.data.get(name) or "").strip()
                kept = connection_value(getattr(self.instance, name, None))
                if sent and sent != str(kept or ""):
                    self.add_error(
                        name,
                        _(
                            "Only someone who manages connected accounts may choose a "
                            "stream's connected account or API address."
                        ),
                    )
        return cleaned

    def stream_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


TRY_TEXT_MAX = 100_000


# --- Forms ------------------------------------------------------------------------------


class KeywordListForm(forms.Form):
    code = forms.ChoiceField(choices=[(c, c) for c in KEYWORD_CODES], widget=forms.HiddenInput)
    language = forms.CharField(max_length=8, widget=forms.HiddenInput)
    terms = forms.CharField(
        label=_("Terms"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )


class KeywordTryForm(forms.Form):
    text = forms.CharField(
        label=_("Text to test"),
        max_length=TRY_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Paste a post: the terms of the saved lists it contains show."),
    )


class WatchedAuthorForm(forms.Form):
    platform = forms.ChoiceField(label=_("Network"), choices=Platform.choices)
    author_id = forms.CharField(
        label=_("Author id"),
        max_length=255,
        help_text=_("The network's stable id for the author, not the handle."),
    )
    author_handle = forms.CharField(label=_("Handle"), max_length=255, required=False)
    reason = forms.CharField(label=_("Why"), max_length=255, required=False)
