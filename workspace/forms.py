from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from inbox.models import SlaTarget
from monitoring.models import Priority
from riskdesk.durations import DurationTextField
from workspace import selectors

WEEKDAYS = selectors.WEEKDAYS


class OrganisationForm(forms.Form):
    brand_name = forms.CharField(
        label=_("Brand name"),
        max_length=100,
        help_text=_("Shown in the top bar and written for {brand} in reply templates."),
    )
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("A name such as Europe/Paris: the default for new teams' business hours."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages the team works in"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Reply templates are written in these."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG, JPEG, GIF or WebP image of at most 1 MB (no SVG)."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = selectors.language_choices()


class SlaTargetForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("Every team (default)"),
        help_text=_("A team's own target beats the default for the same priority."),
    )
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    first_response = DurationTextField(label=_("First response within"))
    resolution = DurationTextField(label=_("Resolved within"))
    business_hours = forms.BooleanField(
        label=_("Count business hours only"),
        required=False,
        help_text=_("The clock pauses outside the team's hours and on its holidays."),
    )

    @classmethod
    def for_target(cls, target: SlaTarget | None, data=None):
        initial = {}
        if target is not None:
            initial = {
                "team": target.team_id,
                "priority": target.priority,
                "first_response": target.first_response,
                "resolution": target.resolution,
                "business_hours": target.business_hours,
            }
        return cls(data, initial=initial)


class TeamHoursForm(forms.Form):
    timezone = forms.CharField(label=_("Time zone"), max_length=64)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Working days"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    opens = forms.TimeField(label=_("Opens"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("Closes"), widget=forms.TimeInput(attrs={"type": "time"}))


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=100)


class ReplyTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    situation = forms.CharField(
        label=_("Situation"), max_length=100, required=False, help_text=_("e.g. Complaint")
    )
    language = forms.ChoiceField(label=_("Language"))
    body = forms.CharField(
        label=_("Text"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Variables: {author} (the author's handle), {brand} (the brand name), "
            "{case} (the case number)."
        ),
    )
    moves_to_private = forms.BooleanField(
        label=_("Moves the conversation to private messages"), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, current_language: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = selectors.organisation_language_choices()
        if current_language and current_language not in dict(choices):
            choices.append((current_language, selectors.language_name(current_language)))
        self.fields["language"].choices = choices
