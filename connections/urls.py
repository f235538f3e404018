"""Pages and API routes of the connected accounts; included by riskdesk/urls.py."""

from django.urls import path

from connections import api, views

urlpatterns = [
    path("connections/", views.account_list, name="connected_account_list"),
    path("connections/new/", views.account_form, name="connected_account_create"),
    path("connections/<int:pk>/edit/", views.account_form, name="connected_account_edit"),
    path("connections/<int:pk>/delete/", views.account_delete, name="connected_account_delete"),
]
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = [
    ("connected-accounts", api.ConnectedAccountViewSet, "connected-account"),
]
