from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import api, views
from accounts.api import scim
from accounts.api.scim import groups as scim_groups
from accounts.views import sso

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/security/", views.account_security, name="account_security"),
    path(
        "account/security/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"
    ),
    path("account/two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("account/two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path(
        "account/security/two-factor/disable/", views.two_factor_disable, name="two_factor_disable"
    ),
    path("people/", views.people_list, name="people_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_form, name="team_create"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("teams/<slug:slug>/edit/", views.team_form, name="team_edit"),
    path("scim-providers/", views.scim_provider_list, name="scim_provider_list"),
    path(
        "scim-providers/<int:pk>/rotate/", views.scim_provider_rotate, name="scim_provider_rotate"
    ),
    path(
        "scim-providers/<int:pk>/active/",
        views.scim_provider_set_active,
        name="scim_provider_set_active",
    ),
    path("sso/<slug:slug>/start/", sso.sso_start, name="sso_start"),
    path("sso/callback/", sso.sso_callback, name="sso_callback"),
    path("settings/sso/", sso.sso_settings, name="sso_settings"),
    path("settings/sso/<int:pk>/", sso.sso_settings, name="sso_provider_edit"),
    path("scim/v2/Groups", scim_groups.groups, name="scim_groups"),
    path("scim/v2/Groups/<str:pk>", scim_groups.group, name="scim_group"),
    path("scim/v2/Users", scim.users, name="scim_users"),
    path("scim/v2/Users/<str:pk>", scim.user, name="scim_user"),
    path(
        "scim/v2/ServiceProviderConfig",
        scim.service_provider_config,
        name="scim_service_provider_config",
    ),
]
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = [
    ("teams", api.TeamViewSet, "team"),
    ("users", api.UserViewSet, "user"),
    ("sso-providers", api.IdentityProviderViewSet, "sso-provider"),
]
