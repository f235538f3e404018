"""Pages and API routes of monitoring; included by riskdesk/urls.py."""

from django.urls import path

from monitoring import api, views

urlpatterns = [
    path("streams/", views.stream_list, name="stream_list"),
    path("streams/new/", views.stream_form, name="stream_create"),
    path("streams/<int:pk>/", views.stream_detail, name="stream_detail"),
    path("streams/<int:pk>/edit/", views.stream_form, name="stream_edit"),
    path("streams/<int:pk>/poll/", views.stream_poll_now, name="stream_poll_now"),
    path("streams/<int:pk>/delete/", views.stream_delete, name="stream_delete"),
    path("keywords/", views.keyword_lists, name="keyword_lists"),
    path("keywords/try/", views.keyword_try, name="keyword_try"),
    path("watchlist/", views.watchlist, name="watchlist"),
    path("watchlist/<int:pk>/remove/", views.watchlist_remove, name="watchlist_remove"),
    path("dashboard/risk/", views.dashboard_risk_fragment, name="dashboard_risk"),
]
# (prefix, viewset, basename) registered on the /api/v1/ router
API_ROUTES = [
    ("streams", api.StreamViewSet, "stream"),
    ("keyword-lists", api.KeywordListViewSet, "keyword-list"),
    ("watchlist", api.WatchedAuthorViewSet, "watched-author"),
]
