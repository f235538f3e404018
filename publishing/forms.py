"""Forms of the publishing pages: the post, moving it on the calendar, releasing a held one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from compliance.forms import DATETIME_FORMAT, DateTimeLocalInput
from compliance.models import Market
from connections.models import ConnectedAccount
from publishing.models import BrandPost
from publishing.services import Release

INPUT_FORMATS = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def one_newline(text: str) -> str:
    """Browsers send a textarea's line breaks as CRLF; the post keeps "\n" (what the API
    stores and the networks count), so an edit that changes nothing changes nothing."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _help(name: str) -> str:
    return BrandPost._meta.get_field(name).help_text


class AccountChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        brand = obj.brand_account
        network = brand.get_platform_display() if brand else obj.get_platform_display()
        return f"{obj.name} · {network}"


class BrandPostForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, help_text=_help("title"))
    text = forms.CharField(
        label=_("Text"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=_("Exactly as it will be published; the preview shows it per network."),
    )
    link = forms.URLField(
        label=_("Link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_help("link"),
    )
    accounts = AccountChoice(
        label=_("Publish as"),
        queryset=ConnectedAccount.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one account to publish as.")},
    )
    scheduled_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=INPUT_FORMATS,
        help_text=_("In the server's time zone. A draft may have no time yet."),
    )
    sponsored = forms.BooleanField(
        label=_("Sponsored"), required=False, help_text=_help("sponsored")
    )
    ask_legal = forms.BooleanField(
        label=_("Ask legal to approve it"), required=False, help_text=_help("ask_legal")
    )
    markets = forms.MultipleChoiceField(
        label=_("Markets"),
        choices=Market.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Where the post will be seen; legal needs them when it must approve."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = ConnectedAccount.objects.filter(
            pk__in=[a.pk for a in accounts]
        ).select_related("brand_account")

    def clean_text(self):
        return one_newline(self.cleaned_data["text"])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "text": data["text"],
            "link": data["link"],
            "scheduled_at": data["scheduled_at"],
            "sponsored": data["sponsored"],
            "ask_legal": data["ask_legal"],
            "markets": list(data["markets"]),
            "accounts": list(data["accounts"]),
        }


class PreviewForm(forms.Form):
    """What the live preview reads; looser than the post form (a half-typed link is fine)."""

    text = forms.CharField(required=False, strip=False, max_length=20_000)
    link = forms.CharField(required=False, max_length=500)
    accounts = forms.TypedMultipleChoiceField(required=False, coerce=int, choices=())
    sponsored = forms.BooleanField(required=False)
    ask_legal = forms.BooleanField(required=False)
    markets = forms.MultipleChoiceField(required=False, choices=Market.choices)

    def __init__(self, *args, accounts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accounts"].choices = [(a.pk, a.name) for a in accounts]

    def clean_text(self):
        return one_newline(self.cleaned_data["text"])


class MoveForm(forms.Form):
    """A drag (or Alt+arrow) on the calendar: the new day; the time of day stays."""

    date = forms.DateField(input_formats=["%Y-%m-%d"])
    version = forms.IntegerField()


class RescheduleForm(forms.Form):
    when = forms.DateTimeField(
        label=_("New time"), widget=DateTimeLocalInput(), input_formats=INPUT_FORMATS
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReleaseForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(c, c) for c in Release.CHOICES], widget=forms.HiddenInput
    )
    when = forms.DateTimeField(
        label=_("Reschedule to"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=INPUT_FORMATS,
    )


class LegalRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    team = forms.ModelChoiceField(label=_("Team"), queryset=None)
    accounts = AccountChoice(
        label=_("Accounts"),
        queryset=ConnectedAccount.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only posts published as these accounts; none: every account."),
    )
    terms = forms.CharField(
        label=_("Terms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One per line; case and accents are ignored, and a term ending with * also "
            "matches longer words. None: every post."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["accounts"].queryset = ConnectedAccount.objects.filter(
            brand_account__isnull=False
        ).select_related("brand_account")
