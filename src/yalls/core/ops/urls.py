"""Staff pages under /ops/: the Ops overview and background-job administration."""

from django.urls import path

from yalls.core.ops import views

urlpatterns = [
    path("", views.ops_home, name="ops_home"),
    path("jobs/", views.jobs_page, name="ops_jobs"),
    path("jobs/<int:job_id>/retry", views.job_retry, name="ops_job_retry"),
    path("jobs/<int:job_id>/discard", views.job_discard, name="ops_job_discard"),
]
