from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import EmploymentStatus, Team, TeamKind, User
from accounts.roles import Role


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class PersonForm(forms.Form):
    """Create or edit a person. Fields the editor may not change are disabled."""

    display_name = forms.CharField(label=_("Display name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"))
    manager = forms.ModelChoiceField(
        label=_("Manager"), queryset=User.objects.filter(is_active=True), required=False
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    employment_status = forms.ChoiceField(
        label=_("Employment status"), choices=EmploymentStatus.choices
    )
    departed_at = forms.DateTimeField(
        label=_("Departed at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty to use the current time when marking a departure."),
    )

    def __init__(self, *args, editable: set[str], instance: User | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "display_name": instance.display_name,
                    "email": instance.email,
                    "manager": instance.manager_id,
                    "roles": instance.roles,
                    "employment_status": instance.employment_status,
                    "departed_at": instance.departed_at,
                },
            )
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields["manager"].queryset = self.fields["manager"].queryset.exclude(
                pk=instance.pk
            )
        for name, field in self.fields.items():
            field.disabled = name not in editable

    def changes(self) -> dict:
        """The cleaned values of the fields this editor may change and did change."""
        return {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if not self.fields[name].disabled
        }


class TeamForm(forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    leads = forms.ModelMultipleChoiceField(
        label=_("Team leads"),
        queryset=User.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leads must also be members."),
    )

    class Meta:
        model = Team
        fields = ["name", "kind", "description", "email"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = TeamKind.choices
        if self.instance.pk:
            memberships = list(self.instance.memberships.all())
            self.initial["members"] = [m.user_id for m in memberships]
            self.initial["leads"] = [m.user_id for m in memberships if m.is_lead]

    def validate_unique(self):
        pass  # the service checks uniqueness case-insensitively and says so


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ScimProviderForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Okta, Microsoft Entra ID…")
    )
