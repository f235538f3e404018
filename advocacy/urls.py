from django.urls import path

from advocacy import views
from advocacy.api import LibraryPostViewSet, ShareViewSet

urlpatterns = [
    path("advocacy/", views.library, name="advocacy_library"),
    path("advocacy/manage/", views.manage, name="advocacy_manage"),
    path("advocacy/posts/new/", views.post_create, name="advocacy_post_create"),
    path("advocacy/posts/<int:pk>/", views.post_detail, name="advocacy_post_detail"),
    path("advocacy/posts/<int:pk>/edit/", views.post_edit, name="advocacy_post_edit"),
    path("advocacy/posts/<int:pk>/ask-legal/", views.post_ask_legal, name="advocacy_ask_legal"),
    path("advocacy/posts/<int:pk>/publish/", views.post_publish, name="advocacy_publish"),
    path("advocacy/posts/<int:pk>/retire/", views.post_retire, name="advocacy_retire"),
    path("advocacy/posts/<int:pk>/share/", views.share, name="advocacy_share"),
    path("advocacy/shares/<int:pk>/", views.share_detail, name="advocacy_share_detail"),
    path("s/<slug:token>", views.share_redirect, name="share_redirect"),
]

# (prefix, viewset, basename) registered on the /api/v1/ router.
API_ROUTES = [
    ("library", LibraryPostViewSet, "library-post"),
    ("shares", ShareViewSet, "share"),
]
