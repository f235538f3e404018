"""Pages and API routes of lists; included by riskdesk/urls.py.

Keyword lists and the watchlist, plus the dashboard's risk cards fragment.
"""

from django.urls import path

from monitoring import lists

urlpatterns = [
    path("keywords/", lists.keyword_lists, name="keyword_lists"),
    path("keywords/try/", lists.keyword_try, name="keyword_try"),
    path("watchlist/", lists.watchlist, name="watchlist"),
    path("watchlist/<int:pk>/remove/", lists.watchlist_remove, name="watchlist_remove"),
    path("dashboard/risk/", lists.dashboard_risk_fragment, name="dashboard_risk"),
]
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = [
    ("keyword-lists", lists.KeywordListViewSet, "keyword-list"),
    ("watchlist", lists.WatchedAuthorViewSet, "watched-author"),
]
