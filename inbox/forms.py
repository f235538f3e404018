from django import forms
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
