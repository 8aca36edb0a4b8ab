"""Routes under /notifications/ (the page itself is /notifications, named `notifications`)."""

from django.urls import path

from yalls.notifications import views

urlpatterns = [
    path("drawer", views.drawer, name="notifications_drawer"),
    path("stream", views.stream, name="notifications_stream"),
    path("read-all", views.mark_all_read, name="notifications_read_all"),
    path("<uuid:notification_id>/read", views.mark_read, name="notification_read"),
    path("<uuid:notification_id>/open", views.open_notification, name="notification_open"),
]
