"""Pages and API routes of notification channels; included by riskdesk/urls.py.

Thin: the form and the serializer read input, monitoring.notifications checks,
saves and audits. Secrets (the signing key, a Slack URL) are never shown back.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Team
from monitoring import notifications
from monitoring.models import Notification, NotificationChannel, hidden_team_ids
from riskdesk.forms import add_service_errors
from riskdesk.permissions import can, require
from riskdesk.rest import ActionPermission

RECENT_SHOWN = 20
Kind = NotificationChannel.Kind

# --- Pages ------------------------------------------------------------------------------


class ChannelForm(forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.all())
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices)
    target = forms.CharField(
        label=gettext_lazy("Address or URL"),
        max_length=2048,
        help_text=gettext_lazy(
            "An e-mail address, or the https:// URL of the incoming webhook or endpoint."
        ),
    )
    secret = forms.CharField(
        label=gettext_lazy("Signing secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "Generic webhooks only: each message carries an HMAC-SHA256 signature made with it "
            "over its timestamp and body (X-Riskdesk-Signature). Never shown again."
        ),
    )
    min_risk = forms.IntegerField(
        label=gettext_lazy("Minimum risk"),
        min_value=0,
        max_value=100,
        initial=70,
        help_text=gettext_lazy(
            "Mentions routed to the team at or above this score are sent, and any a rule "
            "marks to notify."
        ),
    )
    enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False, initial=True)

    def __init__(self, *args, channel: NotificationChannel | None = None, **kwargs):
        if channel is not None:
            kwargs["initial"] = {
                "team": channel.team_id,
                "name": channel.name,
                "kind": channel.kind,
                "target": "" if channel.kind == Kind.SLACK else channel.target,
                "min_risk": channel.min_risk,
                "enabled": channel.enabled,
            }
        super().__init__(*args, **kwargs)
        if channel is not None:
            self.fields["secret"].help_text = _(
                "Never shown. Leave empty to keep the saved secret."
            )
            if channel.kind == Kind.SLACK:
                self.fields["target"].required = False
                self.fields["target"].help_text = _(
                    "The saved Slack URL (%(masked)s) is not shown: it is a secret. "
                    "Leave empty to keep it."
                ) % {"masked": notifications.masked_target(channel)}


def _with_display(channel: NotificationChannel) -> NotificationChannel:
    channel.target_display = notifications.masked_target(channel)
    return channel


@login_required
def channel_list(request):
    require(request.user, "channel.view")
    channels = [
        _with_display(channel)
        for channel in NotificationChannel.objects.select_related("team").order_by(
            "team__name", "name", "pk"
        )
    ]
    # A restricted queue's messages name its mentions' authors: for whoever may read them.
    recent = (
        Notification.objects.select_related("channel__team")
        .exclude(channel__team_id__in=hidden_team_ids(request.user))
        .order_by("-id")[:RECENT_SHOWN]
    )
    return render(
        request,
        "monitoring/channel_list.html",
        {
            "channels": channels,
            "recent": recent,
            "can_manage": can(request.user, "channel.manage"),
        },
    )


@login_required
def channel_form(request, pk=None):
    channel = (
        get_object_or_404(NotificationChannel.objects.select_related("team"), pk=pk) if pk else None
    )
    require(request.user, "channel.manage", channel)
    form = ChannelForm(request.POST or None, channel=channel)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            if channel is None:
                saved = notifications.channel_create(actor=request.user, **fields)
            else:
                saved = notifications.channel_update(actor=request.user, channel=channel, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Channel %(name)s saved.") % {"name": saved.name})
            return redirect("channel_list")
    return render(request, "monitoring/channel_form.html", {"form": form, "channel": channel})


@login_required
@require_POST
def channel_test(request, pk):
    channel = get_object_or_404(NotificationChannel.objects.select_related("team"), pk=pk)
    notifications.channel_test(actor=request.user, channel=channel)
    messages.success(
        request,
        _("Test message queued for %(name)s: its result shows below in a few seconds.")
        % {"name": channel.name},
    )
    return redirect("channel_list")


@login_required
def channel_delete(request, pk):
    channel = get_object_or_404(NotificationChannel.objects.select_related("team"), pk=pk)
    require(request.user, "channel.manage", channel)
    if request.method == "POST":
        notifications.channel_delete(actor=request.user, channel=channel)
        messages.success(request, _("Channel %(name)s deleted.") % {"name": channel.name})
        return redirect("channel_list")
    return render(
        request,
        "monitoring/confirm_delete.html",
        {
            "object": channel,
            "title": _("Delete the channel %(name)s?") % {"name": channel.name},
            "consequence": _(
                "Its team stops being notified through it at once; messages waiting to be "
                "sent through it are dropped."
            ),
            "object_url": reverse("channel_edit", kwargs={"pk": channel.pk}),
            "cancel_url": reverse("channel_list"),
            "parent_label": _("Notification channels"),
            "parent_url": reverse("channel_list"),
            "blockers": None,
        },
    )


# --- API ----------------------------------------------------------------------------------


class NotificationChannelSerializer(serializers.ModelSerializer):
    target = serializers.CharField(
        max_length=2048,
        help_text="E-mail address or http(s) URL. A Slack URL is a secret: it is shown masked, "
        "and sending the masked value back keeps the saved one.",
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        style={"input_type": "password"},
        help_text="HMAC-SHA256 key of generic webhooks; never returned. Empty keeps the saved one.",
    )
    secret_set = serializers.SerializerMethodField()

    class Meta:
        model = NotificationChannel
        fields = [
            "id",
            "team",
            "name",
            "kind",
            "target",
            "secret",
            "secret_set",
            "min_risk",
            "enabled",
            "last_sent_at",
            "last_error",
            "last_error_at",
            "consecutive_failures",
        ]
        read_only_fields = [
            "id",
            "last_sent_at",
            "last_error",
            "last_error_at",
            "consecutive_failures",
        ]

    def get_secret_set(self, obj) -> bool:
        return bool(obj.secret_encrypted)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["target"] = notifications.masked_target(instance)
        return data


class ChannelViewSet(viewsets.ModelViewSet):
    """Notification channels of the teams. `test/` queues a test message."""

    serializer_class = NotificationChannelSerializer
    permission_classes = [permissions.IsAuthenticated, ActionPermission]
    permission_actions = {
        "list": "channel.view",
        "retrieve": "channel.view",
        "create": "channel.manage",
        "update": "channel.manage",
        "partial_update": "channel.manage",
        "destroy": "channel.manage",
        "test": "channel.manage",
    }
    filterset_fields = ["team", "kind", "enabled"]
    queryset = NotificationChannel.objects.select_related("team")

    def perform_create(self, serializer):
        serializer.instance = notifications.channel_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = notifications.channel_update(
            actor=self.request.user, channel=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        notifications.channel_delete(actor=self.request.user, channel=instance)

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer(
                "NotificationChannelTestQueued", {"notification": serializers.IntegerField()}
            )
        },
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        notification = notifications.channel_test(actor=request.user, channel=self.get_object())
        return Response({"notification": notification.pk}, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("notifications/channels/", channel_list, name="channel_list"),
    path("notifications/channels/new/", channel_form, name="channel_create"),
    path("notifications/channels/<int:pk>/edit/", channel_form, name="channel_edit"),
    path("notifications/channels/<int:pk>/test/", channel_test, name="channel_test"),
    path("notifications/channels/<int:pk>/delete/", channel_delete, name="channel_delete"),
]
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = [("notification-channels", ChannelViewSet, "notification-channel")]
