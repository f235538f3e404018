from django.urls import path

from advocacy import views

urlpatterns = [
    path("s/<slug:token>", views.share_redirect, name="share_redirect"),
]

# (prefix, viewset, basename) registered on the /api/v1/ router.
API_ROUTES = []
