"""Pages and API routes of lists; included by riskdesk/urls.py.

Keyword lists, the watchlist and the brand's accounts (accounts.brand_accounts), plus the
dashboard's risk cards fragment.
"""

from django.urls import path

from accounts import brand_accounts
from monitoring import lists

urlpatterns = [
    path("keywords/", lists.keyword_lists, name="keyword_lists"),
    path("keywords/try/", lists.keyword_try, name="keyword_try"),
    path("watchlist/", lists.watchlist, name="watchlist"),
    path("watchlist/<int:pk>/remove/", lists.watchlist_remove, name="watchlist_remove"),
    path("brand-accounts/", brand_accounts.brand_account_list, name="brand_account_list"),
    path("brand-accounts/new/", brand_accounts.brand_account_form, name="brand_account_create"),
    path(
        "brand-accounts/<int:pk>/edit/",
        brand_accounts.brand_account_form,
        name="brand_account_edit",
    ),
    path(
        "brand-accounts/<int:pk>/active/",
        brand_accounts.brand_account_set_active,
        name="brand_account_set_active",
    ),
    path("dashboard/risk/", lists.dashboard_risk_fragment, name="dashboard_risk"),
]
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = [
    ("keyword-lists", lists.KeywordListViewSet, "keyword-list"),
    ("watchlist", lists.WatchedAuthorViewSet, "watched-author"),
    ("social-accounts", brand_accounts.BrandAccountViewSet, "social-account"),
]
