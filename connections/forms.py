"""The connected account form. It only reads input: connections.services saves and checks it."""

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from connections.kinds import get_kind, kind_choices, secret_text
from connections.models import ConnectedAccount
from offboarding.models import BrandAccount

SECRET_PREFIX = "secret_"  # noqa: S105 (a form field prefix, not a secret)
_field = ConnectedAccount._meta.get_field


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name} <{obj.email}>"


class ConnectedAccountForm(forms.Form):
    """Name, kind (fixed once saved), one password box per secret field of the kind, and
    what riskdesk may do with the account.

    Saved secrets are never put back into the page: on edit, a box left empty keeps the
    value it had. `account_fields()` gives what connections.services takes.
    """

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        help_text=_("The connector or revoker that uses it. It cannot change later."),
    )
    business_id = forms.RegexField(
        label=_("Business id"),
        regex=r"^[0-9]{5,32}$",
        max_length=64,
        required=False,
        help_text=_field("business_id").help_text,
        error_messages={"invalid": _("A Business Manager id is a number.")},
    )
    base_url = forms.URLField(
        label=_("API address"),
        required=False,
        assume_scheme="https",
        help_text=_field("base_url").help_text,
    )
    allowed_hosts = forms.CharField(
        label=_("Other allowed hosts"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_(
            "One host name per line. The secret is sent only to its network's own API hosts "
            "and to these: a Mastodon instance other than mastodon.social, for example."
        ),
    )
    brand_account = forms.ModelChoiceField(
        label=_("Acts as"),
        queryset=BrandAccount.objects.filter(is_active=True).order_by("platform", "handle"),
        required=False,
        help_text=_field("brand_account").help_text,
    )
    scopes = forms.CharField(
        label=_("Granted scopes"),
        max_length=2000,
        required=False,
        help_text=_("Comma separated, as the network granted them: read, write:statuses…"),
    )
    expires_at = forms.DateTimeField(
        label=_("Token expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the network says the token stops working; empty if it does not say."),
    )
    acting_people = PersonChoiceField(
        label=_("People who may act as it"),
        queryset=User.objects.filter(is_active=True).order_by("display_name", "pk"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They reply, send private messages and moderate as the brand account."),
    )
    acting_teams = forms.ModelMultipleChoiceField(
        label=_("Teams who may act as it"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every member of these teams may act as the brand account."),
    )

    # Fields shown under the kind, swapped with it (htmx), besides the secret fields.
    KIND_FIELDS = ("business_id",)

    def __init__(self, *args, instance: ConnectedAccount | None = None, kind=None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", _initial(instance))
        super().__init__(*args, **kwargs)
        choices = kind_choices()
        self.fields["kind"].choices = (
            choices if instance is not None else [("", _("Choose a kind")), *choices]
        )
        if instance is not None:
            self.fields["kind"].disabled = True
            kind = instance.kind
        elif kind not in dict(choices):
            kind = None
        self.kind = get_kind(kind) if kind else None
        if self.kind is not None and instance is None:
            self.initial.setdefault("kind", kind)
        if self.kind is not None and self.kind.needs_business_id:
            self.fields["business_id"].required = True
        self._add_secret_fields(instance)

    def _add_secret_fields(self, instance) -> None:
        already_set = set(instance.secret_fields) if instance is not None else set()
        for name in self.kind.secret_fields if self.kind is not None else ():
            label, help_text = secret_text(self.kind.name, name)
            if instance is None:
                required = name in self.kind.required_secrets
            else:
                required = False
                kept = (
                    _("Saved. Leave empty to keep the current value.")
                    if name in already_set
                    else _("Not set yet. Leave empty to leave it unset.")
                )
                help_text = f"{help_text} {kept}".strip()
            self.fields[SECRET_PREFIX + name] = forms.CharField(
                label=label,
                required=required,
                strip=True,
                help_text=help_text,
                widget=forms.PasswordInput(
                    render_value=False, attrs={"autocomplete": "new-password"}
                ),
            )

    def kind_fields(self):
        """The bound fields that depend on the kind: its secret fields, its business id."""
        fields = [self[name] for name in self.fields if name.startswith(SECRET_PREFIX)]
        if self.kind is not None and self.kind.needs_business_id:
            fields.append(self["business_id"])
        return fields

    def other_fields(self):
        """The fields shown after the kind's own, in order."""
        shown = {"name", "kind", *self.KIND_FIELDS}
        return [
            self[name]
            for name in self.fields
            if name not in shown and not name.startswith(SECRET_PREFIX)
        ]

    def clean(self):
        cleaned = super().clean()
        new_without_required = (
            self.instance is None and self.kind is not None and not self.kind.required_secrets
        )
        if new_without_required and not any(
            cleaned.get(SECRET_PREFIX + name) for name in self.kind.secret_fields
        ):
            raise ValidationError(_("Fill in the secret fields this kind needs."))
        return cleaned

    def hosts(self) -> list[str]:
        """The allowed hosts typed in, one a line (commas and spaces also separate)."""
        text = self.cleaned_data.get("allowed_hosts") or ""
        return [host for host in text.replace(",", " ").split() if host]

    def secret(self) -> dict:
        """The secret fields filled in, by their kind's names."""
        return {
            name.removeprefix(SECRET_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(SECRET_PREFIX) and value
        }

    def account_fields(self) -> dict:
        """What connections.services.connected_account_save takes, besides the secret."""
        data = self.cleaned_data
        fields = {
            "name": data["name"],
            "base_url": data["base_url"],
            "allowed_hosts": self.hosts(),
            "brand_account": data["brand_account"],
            "scopes": [
                s for s in (data["scopes"] or "").replace("\n", ",").split(",") if s.strip()
            ],
            "expires_at": data["expires_at"],
            "acting_people": list(data["acting_people"]),
            "acting_teams": list(data["acting_teams"]),
        }
        if self.instance is None:
            fields["kind"] = data["kind"]
        if self.kind is not None and self.kind.needs_business_id:
            fields["business_id"] = data["business_id"]
        return fields


def _initial(account: ConnectedAccount) -> dict:
    return {
        "name": account.name,
        "kind": account.kind,
        "business_id": account.business_id,
        "base_url": account.base_url,
        "allowed_hosts": "\n".join(account.allowed_hosts),
        "brand_account": account.brand_account_id,
        "scopes": ", ".join(account.scopes),
        "expires_at": account.expires_at,
        "acting_people": list(account.acting_people.values_list("pk", flat=True)),
        "acting_teams": list(account.acting_teams.values_list("pk", flat=True)),
    }


def _copy(name: str) -> forms.Field:
    return copy.deepcopy(ConnectedAccountForm.base_fields[name])


class SignInForm(forms.Form):
    """What an admin says before leaving for the network's sign-in page: the account's name,
    the brand account it acts as, the Mastodon instance, and who may act as it."""

    name = _copy("name")
    kind = forms.ChoiceField(label=_("Network"))
    base_url = forms.URLField(
        label=_("Instance address"),
        required=False,
        assume_scheme="https",
        help_text=_(
            "For Mastodon: the instance the brand account lives on, e.g. https://mastodon.social."
        ),
    )
    brand_account = _copy("brand_account")
    allowed_hosts = _copy("allowed_hosts")
    acting_people = _copy("acting_people")
    acting_teams = _copy("acting_teams")

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "mastodon" and not cleaned.get("base_url"):
            self.add_error("base_url", _("Give the instance's address."))
        return cleaned

    def hosts(self) -> list[str]:
        text = self.cleaned_data.get("allowed_hosts") or ""
        return [host for host in text.replace(",", " ").split() if host]

    def account_fields(self) -> dict:
        """What the service saves with the tokens, by primary key (it waits in the session)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "base_url": data["base_url"] if data["kind"] == "mastodon" else "",
            "allowed_hosts": self.hosts(),
            "brand_account": data["brand_account"].pk if data["brand_account"] else None,
            "acting_people": [person.pk for person in data["acting_people"]],
            "acting_teams": [team.pk for team in data["acting_teams"]],
        }


class AppPasswordForm(forms.Form):
    """Bluesky: the handle and an app password (Settings → Privacy and security → App
    passwords), checked against the PDS before they are saved."""

    name = _copy("name")
    identifier = forms.CharField(
        label=_("Handle"),
        max_length=253,
        help_text=_("The brand account's handle, e.g. acme.bsky.social."),
    )
    app_password = forms.CharField(
        label=_("App password"),
        max_length=100,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Made in Bluesky's settings, never the account's password. Stored encrypted."),
    )
    base_url = forms.URLField(
        label=_("PDS address"),
        required=False,
        assume_scheme="https",
        help_text=_("Leave empty for bsky.social."),
    )
    brand_account = _copy("brand_account")
    allowed_hosts = _copy("allowed_hosts")
    acting_people = _copy("acting_people")
    acting_teams = _copy("acting_teams")

    hosts = SignInForm.hosts

    def account_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "base_url": data["base_url"],
            "allowed_hosts": self.hosts(),
            "brand_account": data["brand_account"],
            "acting_people": list(data["acting_people"]),
            "acting_teams": list(data["acting_teams"]),
        }
