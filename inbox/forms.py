from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from inbox.models import ReplyTemplate, SavedView
from monitoring.models import MentionStatus, Priority
from notifications.forms import MENTION_HELP


class BulkActionForm(forms.Form):
    """One action on a selection of mentions, as the inbox toolbar and shortcuts post it."""

    ACTIONS = [
        ("assign", _("Assign to a person")),
        ("unassign", _("Unassign")),
        ("team", _("Move to a team")),
        ("tag", _("Add tags")),
        ("untag", _("Remove tags")),
        ("status", _("Set status")),
        ("priority", _("Set priority")),
        ("escalate", _("Link to an incident")),
        ("declare", _("Declare an incident")),
    ]

    ids = forms.CharField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=ACTIONS)
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    team = forms.IntegerField(required=False)
    tags = forms.CharField(required=False, max_length=500)
    status = forms.ChoiceField(choices=MentionStatus.choices, required=False)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, required=False)
    incident = forms.IntegerField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(is_active=True)

    def clean_ids(self) -> list[int]:
        parts = [p for p in self.cleaned_data["ids"].replace(" ", "").split(",") if p]
        if not parts or not all(p.isdigit() for p in parts):
            raise forms.ValidationError(_("Select at least one mention."))
        return sorted({int(p) for p in parts})

    def clean(self):
        data = super().clean()
        needs = {
            "assign": "assignee",
            "team": "team",
            "tag": "tags",
            "untag": "tags",
            "status": "status",
            "priority": "priority",
            "escalate": "incident",
        }
        field = needs.get(data.get("action"))
        if field and data.get(field) in (None, ""):
            self.add_error(field, _("This action needs a value."))
        return data

    @property
    def tag_names(self) -> list[str]:
        return [t for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"), help_text=MENTION_HELP, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReplyForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=ReplyTemplate.objects.filter(is_active=True), required=False
    )
    body = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}))
    account = forms.IntegerField(required=False)  # a connected account the person may act as
    private = forms.BooleanField(label=_("Send as a private message"), required=False)
    statement = forms.IntegerField(required=False)  # a holding statement legal cleared


class SavedViewForm(forms.ModelForm):
    class Meta:
        model = SavedView
        fields = ["name", "query"]
        widgets = {"query": forms.HiddenInput}


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: False drops an attribute, True writes it bare."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget: dict) -> str:
    """django/forms/widgets/select.html written in Python, option by option the same markup."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
            f"{conditional_escape(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 -- every part escaped above


class FilterBarRenderer(DjangoTemplates):
    """Django's form renderer, but a <select> is written in Python.

    The template renders an include per option: the inbox's filter bar has a few hundred
    options (reasons, networks, teams, streams), and their includes cost more than the rest of
    the page's Python. The markup is the same.
    """

    SELECT_TEMPLATE = "django/forms/widgets/select.html"

    def render(self, template_name, context, request=None):
        if template_name == self.SELECT_TEMPLATE:
            return select_html(context["widget"])
        return super().render(template_name, context, request)


FILTER_BAR_RENDERER = FilterBarRenderer()
