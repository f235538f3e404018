from django import forms
from django.utils.translation import gettext_lazy

from accounts.models import User


class SubscriptionForm(forms.Form):
    user = forms.ModelChoiceField(
        label=gettext_lazy("Person"),
        queryset=User.objects.filter(is_active=True).order_by("display_name"),
    )
