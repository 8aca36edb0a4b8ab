from django.urls import path

from yalls.entities import views

urlpatterns = [
    path("", views.entity_mine, name="entity_mine"),
    path("new", views.entity_create, name="entity_create"),
    path("<str:handle>/edit", views.entity_edit, name="entity_edit"),
    path("<str:handle>/archive", views.entity_archive, name="entity_archive"),
    path("<str:handle>/restore", views.entity_restore, name="entity_restore"),
    path("<str:handle>/transfer", views.entity_transfer, name="entity_transfer"),
    path("<str:handle>/members", views.entity_member_set, name="entity_member_set"),
    path("<str:handle>/members/remove", views.entity_member_remove, name="entity_member_remove"),
    path("<str:handle>/contact", views.entity_contact, name="entity_contact"),
    path("<str:handle>/photos", views.entity_photo_add, name="entity_photo_add"),
    path(
        "<str:handle>/photos/<uuid:photo_id>/remove",
        views.entity_photo_remove,
        name="entity_photo_remove",
    ),
    path("<str:handle>/edges", views.entity_edges, name="entity_edges"),
    path(
        "<str:handle>/edges/<uuid:edge_id>/toggle",
        views.entity_edge_toggle,
        name="entity_edge_toggle",
    ),
    path(
        "<str:handle>/edges/<uuid:edge_id>/remove",
        views.entity_edge_remove,
        name="entity_edge_remove",
    ),
    path(
        "<str:handle>/edges/<uuid:edge_id>/accept",
        views.entity_edge_decide,
        {"decision": "accept"},
        name="entity_edge_accept",
    ),
    path(
        "<str:handle>/edges/<uuid:edge_id>/reject",
        views.entity_edge_decide,
        {"decision": "reject"},
        name="entity_edge_reject",
    ),
]
