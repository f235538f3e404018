from django import forms
from django.utils.translation import gettext_lazy as _


class ModerationForm(forms.Form):
    action = forms.CharField()
    reason = forms.CharField(label=_("Reason"), max_length=1000)
    account = forms.IntegerField()
    reply = forms.IntegerField(required=False)
