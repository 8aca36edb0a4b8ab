"""/ops/flags/: live toggles, the flag editor and experiment readouts (staff only)."""

from django.urls import path

from yalls.core.flags import views

urlpatterns = [
    path("", views.flags_index, name="flags_index"),
    path("<str:key>/", views.flags_update, name="flags_update"),
    path("<str:key>/edit", views.flags_edit, name="flags_edit"),
    path("<str:key>/readout", views.flags_readout, name="flags_readout"),
]
