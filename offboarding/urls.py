"""Pages and API routes of offboarding; included by riskdesk/urls.py.

Offboarding cases, access grants, the access review and the brand accounts inventory.
The connections riskdesk revokes through are connected accounts (connections.urls).
"""

from django.urls import path

from offboarding import views
from offboarding.api import (
    AccessGrantViewSet,
    BrandAccountViewSet,
    OffboardingCaseViewSet,
    OffboardingTaskViewSet,
)

urlpatterns = [
    path("offboarding/", views.case_list, name="offboarding_case_list"),
    path("offboarding/new/", views.case_open, name="offboarding_case_open"),
    path("offboarding/<int:pk>/", views.case_detail, name="offboarding_case_detail"),
    path("offboarding/<int:pk>/tasks/new/", views.task_add, name="offboarding_task_add"),
    path(
        "offboarding/tasks/<int:pk>/complete/",
        views.task_complete,
        name="offboarding_task_complete",
    ),
    path("offboarding/tasks/<int:pk>/retry/", views.task_retry, name="offboarding_task_retry"),
    path("offboarding/tasks/<int:pk>/assign/", views.task_assign, name="offboarding_task_assign"),
    path(
        "offboarding/tasks/<int:pk>/screenshot/",
        views.task_screenshot,
        name="offboarding_task_screenshot",
    ),
    path("access-grants/", views.grant_list, name="access_grant_list"),
    path("access-grants/new/", views.grant_form, name="access_grant_create"),
    path("access-grants/import/", views.grant_import, name="access_grant_import"),
    path("access-grants/<int:pk>/edit/", views.grant_form, name="access_grant_edit"),
    path("access-grants/<int:pk>/revoke/", views.grant_revoke, name="access_grant_revoke"),
    path("access-review/", views.access_review, name="access_review"),
    path("brand-accounts/", views.brand_account_list, name="brand_account_list"),
    path("brand-accounts/new/", views.brand_account_form, name="brand_account_create"),
    path(
        "brand-accounts/<int:pk>/edit/",
        views.brand_account_form,
        name="brand_account_edit",
    ),
    path(
        "brand-accounts/<int:pk>/active/",
        views.brand_account_set_active,
        name="brand_account_set_active",
    ),
]

# (prefix, viewset, basename) registered on the /api/v1/ router.
API_ROUTES = [
    ("access-grants", AccessGrantViewSet, "access-grant"),
    ("offboarding-cases", OffboardingCaseViewSet, "offboarding-case"),
    ("offboarding-tasks", OffboardingTaskViewSet, "offboarding-task"),
    ("social-accounts", BrandAccountViewSet, "social-account"),
]
