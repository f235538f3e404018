"""Pages and API routes of routing and alerting; included by riskdesk/urls.py."""

from django.urls import path

from alerting import api, views

urlpatterns = [
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_form, name="rule_create"),
    path("rules/<int:pk>/edit/", views.rule_form, name="rule_edit"),
    path("rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("rules/<int:pk>/enabled/", views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("notifications/channels/", views.channel_list, name="channel_list"),
    path("notifications/channels/new/", views.channel_form, name="channel_create"),
    path("notifications/channels/<int:pk>/edit/", views.channel_form, name="channel_edit"),
    path("notifications/channels/<int:pk>/test/", views.channel_test, name="channel_test"),
    path("notifications/channels/<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path("spikes/", views.spike_list, name="spike_list"),
    path("spikes/<int:pk>/", views.spike_detail, name="spike_detail"),
    path("spikes/<int:pk>/acknowledge/", views.spike_acknowledge, name="spike_acknowledge"),
]
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = (
    ("rules", api.RuleViewSet, "rule"),
    ("notification-channels", api.ChannelViewSet, "notification-channel"),
    ("spikes", api.SpikeViewSet, "spike"),
)
