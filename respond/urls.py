from django.urls import path

from respond import views
from respond.api import ModerationViewSet, ReplyViewSet

urlpatterns = [
    path(
        "inbox/<int:pk>/reply/<int:reply_pk>/retry/",
        views.mention_reply_retry,
        name="mention_reply_retry",
    ),
    path("inbox/<int:pk>/moderate/", views.mention_moderate, name="mention_moderate"),
]

API_ROUTES = [
    ("replies", ReplyViewSet, "reply"),
    ("moderation", ModerationViewSet, "moderation"),
]
