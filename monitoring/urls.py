from django.urls import path

from monitoring import views

urlpatterns = [
    path("streams/", views.stream_list, name="stream_list"),
    path("streams/new/", views.stream_form, name="stream_create"),
    path("streams/<int:pk>/", views.stream_detail, name="stream_detail"),
    path("streams/<int:pk>/edit/", views.stream_form, name="stream_edit"),
    path("streams/<int:pk>/poll/", views.stream_poll_now, name="stream_poll_now"),
    path("streams/<int:pk>/delete/", views.stream_delete, name="stream_delete"),
    path("credentials/", views.credential_list, name="credential_list"),
    path("credentials/new/", views.credential_form, name="credential_create"),
    path("credentials/<int:pk>/edit/", views.credential_form, name="credential_edit"),
    path("credentials/<int:pk>/delete/", views.credential_delete, name="credential_delete"),
]
