from django.urls import path

from inbox import views
from inbox.api import MentionViewSet

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/poll/", views.inbox_poll, name="inbox_poll"),
    path("inbox/bulk/", views.inbox_bulk, name="inbox_bulk"),
    path("inbox/toolbar/", views.inbox_toolbar, name="inbox_toolbar"),
    path("inbox/sla/", views.sla_report, name="sla_report"),
    path("inbox/views/", views.saved_view_create, name="saved_view_create"),
    path("inbox/views/<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("inbox/<int:pk>/", views.mention_panel, name="mention_panel"),
    path("inbox/<int:pk>/viewing/", views.mention_viewing, name="mention_viewing"),
    path("inbox/<int:pk>/action/", views.mention_action, name="mention_action"),
    path("inbox/<int:pk>/note/", views.mention_note, name="mention_note"),
    path("inbox/<int:pk>/reply/", views.mention_reply, name="mention_reply"),
    path("inbox/<int:pk>/reply/draft/", views.mention_reply_draft, name="mention_reply_draft"),
    path("inbox/<int:pk>/watch/", views.mention_watch, name="mention_watch"),
]

API_ROUTES = [("mentions", MentionViewSet, "mention")]
