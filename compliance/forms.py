from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from compliance.models import AccountKind, ApprovalRule, Market, PostMedia, SponsoredPost
from offboarding.models import BrandAccount
from riskdesk.networks import Platform

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class BrandAccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"@{obj.handle} · {obj.get_platform_display()}"


class MediaChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.original_name


def legal_reviewers():
    codename = "review_sponsoredpost"
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions__codename=codename) | Q(user_permissions__codename=codename))
        .distinct()
        .order_by("display_name", "pk")
    )


class SponsoredPostForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=SponsoredPost._meta.get_field("title").help_text,
    )
    text = forms.CharField(
        label=_("Post text"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Exactly as it will be published. The checks run each time you save; readers see "
            "the first 125 characters before “… more”."
        ),
    )
    platform = forms.ChoiceField(label=_("Network"), choices=Platform.choices)
    account_kind = forms.ChoiceField(
        label=_("Published from"),
        choices=AccountKind.choices,
        widget=forms.RadioSelect,
        initial=AccountKind.BRAND,
    )
    brand_account = BrandAccountChoice(
        label=_("Brand account"),
        queryset=BrandAccount.objects.filter(is_active=True).order_by("platform", "handle"),
        required=False,
    )
    partner_name = forms.CharField(label=_("Partner or influencer"), max_length=200, required=False)
    partner_handle = forms.CharField(
        label=_("Partner's handle"),
        max_length=255,
        required=False,
        help_text=_("The account the partner publishes from, or tags in a co-branded post."),
    )
    campaign = forms.CharField(label=_("Campaign"), max_length=200, required=False)
    markets = forms.MultipleChoiceField(
        label=_("Markets"),
        choices=Market.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Where the post will be seen; France adds the requirements of French law."),
    )
    planned_at = forms.DateTimeField(
        label=_("Planned publication"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One address a line: the links the post carries. Links in the text are checked too."
        ),
    )
    media = MultipleFileField(
        label=_("Add images or videos"),
        required=False,
        help_text=_(
            "JPEG, PNG, GIF or WebP images up to 10 MB; MP4, MOV or WebM videos up to 200 MB."
        ),
    )
    remove_media = MediaChoice(
        label=_("Remove media files"),
        queryset=PostMedia.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contract = forms.FileField(
        label=_("Contract (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    remove_contract = forms.BooleanField(label=_("Remove the uploaded contract"), required=False)
    contract_reference = forms.CharField(
        label=_("Contract reference"),
        max_length=200,
        required=False,
        help_text=SponsoredPost._meta.get_field("contract_reference").help_text,
    )
    contract_handle = forms.CharField(
        label=_("Handle named in the contract"),
        max_length=255,
        required=False,
        help_text=SponsoredPost._meta.get_field("contract_handle").help_text,
    )
    approval_rule = forms.ChoiceField(
        label=_("Approvals needed"),
        choices=ApprovalRule.choices,
        widget=forms.RadioSelect,
        initial=ApprovalRule.ANY,
    )
    reviewers = forms.ModelMultipleChoiceField(
        label=_("Named reviewers"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Leave empty to let anyone in legal decide. When you name reviewers, only they "
            "may decide."
        ),
    )
    review_due_at = forms.DateTimeField(
        label=_("Review due"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=_("When legal should have decided. Empty: two days after submission."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance: SponsoredPost | None = None, **kwargs):
        self.instance = instance
        if instance is not None:
            initial = {
                "title": instance.title,
                "text": instance.text,
                "platform": instance.platform,
                "account_kind": instance.account_kind,
                "brand_account": instance.brand_account_id,
                "partner_name": instance.partner_name,
                "partner_handle": instance.partner_handle,
                "campaign": instance.campaign,
                "markets": instance.markets,
                "planned_at": instance.planned_at,
                "links": "\n".join(instance.links),
                "contract_reference": instance.contract_reference,
                "contract_handle": instance.contract_handle,
                "approval_rule": instance.approval_rule,
                "reviewers": [r.pk for r in instance.reviewers.all()],
                "review_due_at": instance.review_due_at,
                "version": instance.version,
            }
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        reviewers = legal_reviewers()
        if instance is not None and instance.author_id:
            reviewers = reviewers.exclude(pk=instance.author_id)
        self.fields["reviewers"].queryset = reviewers
        if instance is not None and instance.media.exists():
            self.fields["remove_media"].queryset = instance.media.all()
        else:
            del self.fields["remove_media"]
        if instance is None or not instance.contract_file:
            del self.fields["remove_contract"]
        if instance is None:
            del self.fields["version"]

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["links"] = [line for line in data.get("links", "").splitlines() if line.strip()]
        if data.get("account_kind") != AccountKind.BRAND:
            data["brand_account"] = None
        if self.instance is None:
            data.pop("remove_media", None)
            data.pop("remove_contract", None)
        return data


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[
            ("approved", _("Approve")),
            ("changes_requested", _("Request changes")),
            ("rejected", _("Reject")),
        ]
    )
    content_digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required to request changes or reject, and to approve despite failing checks."
        ),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_(
            "Mention someone with @ and the start of their e-mail address (@legal) to e-mail them."
        ),
    )


class PublishForm(forms.Form):
    url = forms.URLField(
        label=_("Address of the published post"), required=False, assume_scheme="https"
    )


class RuleListForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput)
    category = forms.CharField(widget=forms.HiddenInput, required=False)
    language = forms.CharField(widget=forms.HiddenInput)
    terms = forms.CharField(
        label=_("Terms"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
