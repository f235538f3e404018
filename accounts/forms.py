from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import EmploymentStatus, IdentityProvider, Team, TeamKind, User
from accounts.roles import Role

PASSWORD_OFF_MESSAGE = _(
    "Your organisation signs in with single sign-on: use the provider's button. "
    "Only administrators can still use a password."
)


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def confirm_login_allowed(self, user):
        """Password sign-in turned off by a single sign-on provider: only people with admin
        rights still get in with a password (the break-glass way in)."""
        super().confirm_login_allowed(user)
        from accounts.services import password_sign_in_permitted

        if not password_sign_in_permitted(user):
            raise forms.ValidationError(PASSWORD_OFF_MESSAGE, code="password_sign_in_off")


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


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


class IdentityProviderForm(forms.ModelForm):
    """A single sign-on provider. The client secret is write-only: never shown, kept when
    left empty on a change."""

    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    issuer = forms.URLField(
        label=_("Issuer"),
        max_length=500,
        assume_scheme="https",
        help_text=IdentityProvider._meta.get_field("issuer").help_text,
    )
    group_roles = forms.CharField(
        label=_("Groups and roles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: group name = role (social, legal, hr, manager). A person in several "
            "mapped groups gets each of their roles."
        ),
    )
    allowed_hosts = forms.CharField(
        label=_("Other allowed hosts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=IdentityProvider._meta.get_field("allowed_hosts").help_text,
    )
    email_domains = forms.CharField(
        label=_("E-mail domains"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=IdentityProvider._meta.get_field("email_domains").help_text,
    )

    class Meta:
        model = IdentityProvider
        fields = [
            "name",
            "issuer",
            "client_id",
            "scopes",
            "groups_claim",
            "scim_provider",
            "is_enabled",
            "password_sign_in",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        provider = self.instance
        if provider.pk:
            self.fields["client_secret"].help_text = _(
                "Stored encrypted and never shown. Leave empty to keep it."
            )
            self.initial["group_roles"] = "\n".join(
                f"{group} = {role}" for group, role in provider.group_roles.items()
            )
            self.initial["allowed_hosts"] = "\n".join(provider.allowed_hosts)
            self.initial["email_domains"] = "\n".join(provider.email_domains)
        else:
            self.fields["client_secret"].required = True

    def clean_group_roles(self) -> dict:
        mapping = {}
        for number, line in enumerate((self.cleaned_data["group_roles"] or "").splitlines(), 1):
            if not line.strip():
                continue
            group, sep, role = line.rpartition("=")
            if not sep or not group.strip():
                raise forms.ValidationError(
                    _("Line %(number)d: write group name = role.") % {"number": number}
                )
            mapping[group.strip()] = role.strip().lower()
        return mapping

    def clean_allowed_hosts(self) -> list[str]:
        return _lines(self.cleaned_data["allowed_hosts"])

    def clean_email_domains(self) -> list[str]:
        return _lines(self.cleaned_data["email_domains"])

    def validate_unique(self):
        pass  # the service checks the name case-insensitively and says so

    def service_fields(self) -> dict:
        names = [*self.Meta.fields, "group_roles", "allowed_hosts", "email_domains"]
        fields = {name: self.cleaned_data[name] for name in names}
        fields["client_secret"] = self.cleaned_data["client_secret"]
        return fields
