"""Forms of the incident and playbook pages (the list, board and API filter: incidents.filters)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from incidents.models import (
    SEVERITY_DEFINITIONS,
    IncidentRole,
    Playbook,
    Severity,
    Status,
)
from notifications.forms import MENTION_HELP


def incident_people():
    """Active people who can see incidents: the only ones who can take a role."""
    return (
        User.objects.filter(
            is_active=True,
            groups__permissions__codename="view_incident",
            groups__permissions__content_type__app_label="incidents",
        )
        .distinct()
        .order_by("display_name", "id")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} ({obj.email})" if obj.display_name else obj.email


def severity_choices():
    return [(value, label) for value, label in Severity.choices]


class DeclareForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    severity = forms.TypedChoiceField(
        label=_("Severity"),
        choices=severity_choices,
        coerce=int,
        widget=forms.RadioSelect,
        initial=Severity.SEV3,
    )
    playbook = forms.ModelChoiceField(
        label=_("Playbook"),
        queryset=Playbook.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("No playbook: tasks added by hand"),
        help_text=_("Its steps become the incident's tasks, each with its owner and due time."),
    )
    summary = forms.CharField(
        label=_("What is happening"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    lead = PersonChoiceField(
        label=_("Incident lead"),
        queryset=incident_people(),
        required=False,
        empty_label=_("Me"),
        help_text=_("Runs the incident: severity, status, roles, freeze, review."),
    )
    mentions = forms.CharField(widget=forms.HiddenInput, required=False)
    spike = forms.IntegerField(widget=forms.HiddenInput, required=False)
    impersonation = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_mentions(self):
        raw = self.cleaned_data["mentions"] or ""
        ids = []
        for part in raw.replace(" ", "").split(","):
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(_("The selection of mentions is not readable."))
            ids.append(int(part))
        return ids


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to resolve while tasks are still open."),
    )

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        if allowed:
            self.fields["status"].choices = [(s, Status(s).label) for s in allowed]


class SeverityForm(forms.Form):
    severity = forms.TypedChoiceField(label=_("Severity"), choices=severity_choices, coerce=int)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=IncidentRole.choices, widget=forms.HiddenInput)
    person = PersonChoiceField(
        label=_("Person"), queryset=incident_people(), required=False, empty_label=_("Nobody")
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("No role")), *IncidentRole.choices], required=False
    )
    assignee = PersonChoiceField(
        label=_("Owner"),
        queryset=incident_people(),
        required=False,
        empty_label=_("Whoever holds the role"),
    )
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a note to the timeline"),
        help_text=MENTION_HELP,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StatementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    channel = forms.CharField(
        label=_("Where it will be said"),
        max_length=200,
        required=False,
        help_text=_("e.g. replies on Mastodon, pinned post on X, press enquiries."),
    )
    text = forms.CharField(
        label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )


class DecisionForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput, required=False)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FreezeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason shown on every page"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LiftForm(forms.Form):
    note = forms.CharField(label=_("Why it is lifted"), required=False, max_length=1000)


class ReviewForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    impact = forms.CharField(
        label=_("Impact"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who was affected, how many mentions, reach, money, customers."),
    )
    went_well = forms.CharField(label=_("What went well"), widget=forms.Textarea(attrs={"rows": 3}))
    went_badly = forms.CharField(
        label=_("What did not go well"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("Action item"), max_length=200, required=False)
    assignee = PersonChoiceField(
        label=_("Owner"),
        queryset=incident_people(),
        required=False,
        empty_label=_("Choose an owner"),
    )
    due_at = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        filled = [k for k in ("title", "assignee", "due_at") if data.get(k)]
        if filled and len(filled) < 3:
            raise forms.ValidationError(_("An action item needs a title, an owner and a due date."))
        return data


ActionItemFormSet = forms.formset_factory(ActionItemForm, extra=3, max_num=20)


class PlaybookForm(forms.ModelForm):
    class Meta:
        model = Playbook
        fields = ["name", "scenario", "default_severity", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"name": {"unique": _("Another playbook has this name.")}}


class StepForm(forms.Form):
    title = forms.CharField(label=_("Step"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Owner"), choices=IncidentRole.choices)
    due_minutes = forms.IntegerField(
        label=_("Due (minutes after declaring)"), min_value=0, max_value=43200, initial=60
    )
    policy_reference = forms.CharField(label=_("Policy section"), max_length=200, required=False)
    instructions = forms.CharField(
        label=_("How"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


StepFormSet = forms.formset_factory(StepForm, extra=2, can_delete=True, max_num=50)


def severity_definitions() -> list[tuple[int, str, str]]:
    return [(value, f"SEV{value}", SEVERITY_DEFINITIONS[value]) for value in Severity.values]
