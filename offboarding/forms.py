"""Forms of the offboarding, access grant and brand account pages."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from connections.kinds import META_BUSINESS
from connections.models import ConnectedAccount
from offboarding.models import (
    AccessGrant,
    AccessLevel,
    AccessMethod,
    AccessVia,
    BrandAccount,
)
from offboarding.services.brand_accounts import BRAND_ACCOUNT_FIELDS
from riskdesk.networks import Platform


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def active_people():
    return User.objects.filter(is_active=True).order_by("display_name", "pk")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} <{obj.email}>"


# --- Offboarding ------------------------------------------------------------------------------


class CaseOpenForm(forms.Form):
    person = PersonChoiceField(label=_("Person leaving"), queryset=active_people())
    departure_at = forms.DateTimeField(
        label=_("Departure"),
        widget=DateTimeInput(),
        help_text=_("When they leave. Their riskdesk access ends as soon as the case opens."),
    )
    deadline = forms.DateTimeField(
        label=_("Deadline"),
        widget=DateTimeInput(),
        required=False,
        help_text=_("When every access must be gone. Empty: the departure plus the usual window."),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        if actor is not None:
            self.fields["person"].queryset = active_people().exclude(pk=actor.pk)
        self.fields["departure_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class TaskCompleteForm(forms.Form):
    evidence = forms.CharField(
        label=_("Evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What you did and how you checked it."),
    )
    screenshot = forms.FileField(
        label=_("Screenshot"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}
        ),
    )
    new_owner = PersonChoiceField(label=_("New owner"), queryset=active_people(), required=False)


class TaskAssignForm(forms.Form):
    assignee = PersonChoiceField(label=_("Assignee"), queryset=active_people(), required=False)


class TaskAddForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=255)


# --- Access grants ---------------------------------------------------------------------------


class AccessGrantForm(forms.Form):
    person = PersonChoiceField(label=_("Person"), queryset=active_people())
    account = forms.ModelChoiceField(
        label=_("Brand account"), queryset=BrandAccount.objects.filter(is_active=True)
    )
    level = forms.ChoiceField(label=_("Level"), choices=AccessLevel.choices)
    via = forms.ChoiceField(label=_("Through"), choices=AccessVia.choices)
    tool = forms.CharField(
        label=_("Tool"),
        max_length=100,
        required=False,
        help_text=AccessGrant._meta.get_field("tool").help_text,
    )
    external_login = forms.CharField(
        label=_("Login on the network"),
        max_length=255,
        required=False,
        help_text=AccessGrant._meta.get_field("external_login").help_text,
    )
    granted_at = forms.DateTimeField(label=_("Granted"), widget=DateTimeInput(), required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, instance: AccessGrant | None = None, **kwargs):
        if instance is not None:
            initial = {
                name: getattr(instance, name)
                for name in ("level", "via", "tool", "external_login", "note", "granted_at")
            }
            kwargs.setdefault(
                "initial",
                initial | {"person": instance.person_id, "account": instance.account_id},
            )
        super().__init__(*args, **kwargs)
        if instance is not None:  # who and where never change: revoke and grant anew
            for name in ("person", "account", "via"):
                self.fields[name].disabled = True
            self.fields["person"].queryset = User.objects.filter(pk=instance.person_id)
            self.fields["account"].queryset = BrandAccount.objects.filter(pk=instance.account_id)


class GrantRevokeForm(forms.Form):
    evidence = forms.CharField(
        label=_("Evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the access was removed, and how you checked it is gone."),
    )


class GrantImportForm(forms.Form):
    MODES = [
        ("keep_good", _("Import the good rows and list the bad ones")),
        ("all_or_nothing", _("Import nothing if any row is bad")),
    ]
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=_(
            "First line: person_email, network, handle, level, via, and optionally tool, "
            "external_login, granted_at, note."
        ),
    )
    mode = forms.ChoiceField(
        label=_("When a row is bad"), choices=MODES, initial="keep_good", widget=forms.RadioSelect
    )


# --- Brand accounts ------------------------------------------------------------------------


class BrandAccountForm(forms.Form):
    platform = forms.ChoiceField(label=gettext_lazy("Network"), choices=Platform.choices)
    handle = forms.CharField(
        label=gettext_lazy("Handle"),
        max_length=255,
        help_text=gettext_lazy("As the network shows it; a leading @ is dropped."),
    )
    display_name = forms.CharField(
        label=gettext_lazy("Display name"), max_length=255, required=False
    )
    platform_id = forms.CharField(
        label=gettext_lazy("Id on the network"),
        max_length=255,
        required=False,
        help_text=BrandAccount._meta.get_field("platform_id").help_text,
    )
    url = forms.URLField(
        label=gettext_lazy("Link"), required=False, assume_scheme="https", max_length=200
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Owning team"), queryset=Team.objects.order_by("name"), required=False
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Impersonation detection compares authors with active accounts."),
    )
    access_method = forms.ChoiceField(
        label=gettext_lazy("How it is accessed"),
        choices=[("", "—"), *AccessMethod.choices],
        required=False,
    )
    credential_location = forms.CharField(
        label=gettext_lazy("Where the credential lives"),
        max_length=255,
        required=False,
        help_text=BrandAccount._meta.get_field("credential_location").help_text,
    )
    mfa_enabled = forms.BooleanField(label=gettext_lazy("Multi-factor is on"), required=False)
    credential_rotated_at = forms.DateTimeField(
        label=gettext_lazy("Credential last rotated"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    recovery_email = forms.EmailField(label=gettext_lazy("Recovery e-mail"), required=False)
    recovery_phone_owner = forms.ModelChoiceField(
        label=gettext_lazy("Recovery phone owner"),
        queryset=User.objects.filter(is_active=True).order_by("display_name"),
        required=False,
        help_text=BrandAccount._meta.get_field("recovery_phone_owner").help_text,
    )
    revocation_connection = forms.ModelChoiceField(
        label=gettext_lazy("Revocation connection"),
        queryset=ConnectedAccount.objects.filter(kind=META_BUSINESS).order_by("name"),
        required=False,
        help_text=BrandAccount._meta.get_field("revocation_connection").help_text,
    )

    def __init__(self, *args, instance: BrandAccount | None = None, **kwargs):
        if instance is not None:
            initial = {name: getattr(instance, name) for name in BRAND_ACCOUNT_FIELDS}
            kwargs.setdefault(
                "initial",
                initial
                | {
                    "team": instance.team_id,
                    "recovery_phone_owner": instance.recovery_phone_owner_id,
                    "revocation_connection": instance.revocation_connection_id,
                },
            )
        super().__init__(*args, **kwargs)
