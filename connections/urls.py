"""Pages and API routes of the connected accounts; included by riskdesk/urls.py."""

from django.urls import path

from connections import api, views

urlpatterns = [
    path("connections/", views.account_list, name="connected_account_list"),
    path("connections/new/", views.account_form, name="connected_account_create"),
    path("connections/sign-in/", views.oauth_start, name="connected_account_oauth_start"),
    path(
        "connections/oauth/callback/",
        views.oauth_callback,
        name="connected_account_oauth_callback",
    ),
    path("connections/bluesky/", views.app_password, name="connected_account_app_password"),
    path("connections/<int:pk>/refresh/", views.refresh_now, name="connected_account_refresh"),
    path("connections/<int:pk>/edit/", views.account_form, name="connected_account_edit"),
    path("connections/<int:pk>/delete/", views.account_delete, name="connected_account_delete"),
]
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = [
    ("connected-accounts", api.ConnectedAccountViewSet, "connected-account"),
]
