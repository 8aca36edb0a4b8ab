from django.urls import path

from yalls.accounts import views
from yalls.accounts.linked_accounts.views import settings_urls as linked_accounts_urls

urlpatterns = [
    path("", views.settings_profile, name="settings"),
    path("profile", views.settings_profile, name="settings_profile"),
    path("security", views.settings_security, name="settings_security"),
    path("security/sessions", views.settings_sessions, name="settings_sessions"),
    path("security/sessions/end", views.sessions_end, name="sessions_end"),
    *linked_accounts_urls,
]
