"""Pages and API routes of people's notifications; included by riskdesk/urls.py."""

from django.urls import path

from notifications import api, views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/preferences/", views.preferences, name="notification_preferences"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
]
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = (
    ("notifications", api.NotificationViewSet, "notification"),
    ("notification-preferences", api.NotificationPreferenceViewSet, "notification-preference"),
)
