from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import EmailMode

MENTION_HELP = _(
    "Write @ and the part of a person's e-mail address before the @ to tell them "
    "(@alice.martin for alice.martin@example.com; capitals do not matter). Only people "
    "who may read this are told."
)


class PreferencesForm(forms.Form):
    """One pair of fields per kind of event: `<kind>-in_app` and `<kind>-email`."""

    def __init__(self, *args, preferences, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for pref in preferences:
            in_app = forms.BooleanField(
                label=_("Show in riskdesk"), required=False, initial=pref.in_app
            )
            email = forms.ChoiceField(
                label=_("E-mail"), choices=EmailMode.choices, initial=pref.email
            )
            self.fields[f"{pref.kind}-in_app"] = in_app
            self.fields[f"{pref.kind}-email"] = email
            self.rows.append((pref, self[f"{pref.kind}-in_app"], self[f"{pref.kind}-email"]))

    def choices(self) -> list[tuple[str, bool, str]]:
        """(kind, in-app, e-mail) for each kind, from the cleaned data."""
        return [
            (
                pref.kind,
                self.cleaned_data[f"{pref.kind}-in_app"],
                self.cleaned_data[f"{pref.kind}-email"],
            )
            for pref, _in_app, _email in self.rows
        ]
