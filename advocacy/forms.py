from django import forms
from django.utils.translation import gettext_lazy as _

from advocacy.models import COPY, ShareTarget
from compliance.models import Market


class LibraryPostForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200, help_text=_("What employees see in the library.")
    )
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        strip=False,
        help_text=_(
            "Exactly what employees share. riskdesk adds the tracked link and the disclosure "
            "of the market (e.g. #employee) itself."
        ),
    )
    link = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("The page the post points to; shared as a tracked riskdesk link."),
    )
    networks = forms.MultipleChoiceField(
        label=_("Networks"), choices=ShareTarget.choices, widget=forms.CheckboxSelectMultiple
    )
    markets = forms.MultipleChoiceField(
        label=_("Markets"), choices=Market.choices, widget=forms.CheckboxSelectMultiple
    )
    needs_legal = forms.BooleanField(
        label=_("Sponsored: legal must approve it"),
        required=False,
        help_text=_(
            "Posts with a regulated claim (health, finance...) go to legal whatever you tick."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, post=None, **kwargs):
        if post is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": post.title,
                    "text": post.text,
                    "link": post.link,
                    "networks": post.networks,
                    "markets": post.markets,
                    "needs_legal": post.needs_legal,
                    "version": post.version,
                },
            )
        super().__init__(*args, **kwargs)
        if post is None:
            del self.fields["version"]


class ShareForm(forms.Form):
    network = forms.ChoiceField(choices=[*ShareTarget.choices, (COPY, _("Copy text"))])
    market = forms.ChoiceField(choices=Market.choices)
    instance = forms.CharField(required=False, max_length=255)
