from django.urls import path

from yalls.core.webhooks import views

urlpatterns = [path("<slug:slug>", views.receive, name="webhook_receive")]
