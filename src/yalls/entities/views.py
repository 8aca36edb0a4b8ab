"""Entity pages: the public page, create, edit, members, archive/restore, transfer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yalls.core.errors import DomainError
from yalls.entities import selectors, services
from yalls.entities.forms import EntityForm, MemberForm, TransferForm


def entity_page(request, handle: str):
    entity = selectors.access_entity(request.user, handle)
    role = selectors.member_role(request.user, entity)
    return render(
        request,
        "entities/entity_page.html",
        {
            "entity": entity,
            "my_role": role,
            "can_edit": role in selectors.MANAGING_ROLES,
            "horse": getattr(entity, "horse", None) if entity.kind.is_horse else None,
            "memberships": selectors.entity_memberships(entity),
            "relations": selectors.entity_relations(entity),
            "contact": selectors.entity_contact(entity),
            "photos": selectors.entity_photos(entity),
        },
    )


@login_required
def entity_mine(request):
    return render(
        request,
        "entities/mine.html",
        {"rows": selectors.entities_of_member(request.user), "nav_active": "entities"},
    )


@login_required
def entity_create(request):
    form = EntityForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": request.GET.get("kind", "farm")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entity = services.entity_create(
                actor=request.user,
                handle=data["handle"],
                display_name=data["display_name"],
                kind=data["kind"].slug,
                bio=data["bio"],
                avatar=data.get("avatar"),
                **(form.horse_data() if data["kind"].is_horse else {}),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, _("%(display_name)s is live.") % {"display_name": entity.display_name}
            )
            return redirect("profile", entity.handle)
    return render(
        request, "entities/form.html", {"form": form, "creating": True, "nav_active": "entities"}
    )


@login_required
def entity_edit(request, handle: str):
    entity = selectors.access_entity(request.user, handle)
    if not selectors.controls(request.user, entity):
        raise PermissionDenied("Only the entity's owner and managers can edit it.")
    horse = getattr(entity, "horse", None) if entity.kind.is_horse else None
    initial = {"display_name": entity.display_name, "handle": entity.handle, "bio": entity.bio}
    if horse:
        initial.update(
            {
                k: getattr(horse, k)
                for k in ("breed", "sex", "colour", "foaling_date", "registration_number")
            }
        )
    form = EntityForm(request.POST or None, request.FILES or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entity = services.entity_update(
                actor=request.user,
                entity=entity,
                handle=data["handle"],
                display_name=data["display_name"],
                bio=data["bio"],
                avatar=data.get("avatar"),
                **(form.horse_data() if entity.kind.is_horse else {}),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("profile", entity.handle)
    return render(
        request,
        "entities/form.html",
        {
            "form": form,
            "entity": entity,
            "creating": False,
            "is_horse": entity.kind.is_horse,
            "my_role": selectors.member_role(request.user, entity),
            "memberships": selectors.entity_memberships(entity),
            "member_form": MemberForm(),
            "transfer_form": TransferForm(),
            "nav_active": "entities",
        },
    )


def _post_action(request, handle: str, action, success: str):
    """Run one owner/manager action from a form button, report it as a message, back to the edit page."""
    entity = selectors.access_entity(request.user, handle)
    try:
        action(entity)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success.replace("{name}", entity.display_name))
    return redirect("entity_edit", entity.handle)


@login_required
@require_POST
def entity_archive(request, handle: str):
    return _post_action(
        request,
        handle,
        lambda e: services.entity_archive(actor=request.user, entity=e),
        "{name} is archived.",
    )


@login_required
@require_POST
def entity_restore(request, handle: str):
    return _post_action(
        request,
        handle,
        lambda e: services.entity_restore(actor=request.user, entity=e),
        "{name} is restored.",
    )


@login_required
@require_POST
def entity_transfer(request, handle: str):
    new_owner = request.POST.get("new_owner", "")
    return _post_action(
        request,
        handle,
        lambda e: services.entity_transfer_ownership(
            actor=request.user, entity=e, new_owner_handle=new_owner
        ),
        _("Ownership passed to @%(handle)s.") % {"handle": new_owner.lstrip("@")},
    )


@login_required
@require_POST
def entity_member_set(request, handle: str):
    member, role = request.POST.get("member", ""), request.POST.get("role", "")
    return _post_action(
        request,
        handle,
        lambda e: services.entity_member_set(
            actor=request.user, entity=e, member_handle=member, role=role
        ),
        f"@{member.lstrip('@')} is now {role}.",
    )


@login_required
@require_POST
def entity_member_remove(request, handle: str):
    member = request.POST.get("member", "")
    return _post_action(
        request,
        handle,
        lambda e: services.entity_member_remove(actor=request.user, entity=e, member_handle=member),
        f"@{member.lstrip('@')} was removed.",
    )


# --- Edges manager ------------------------------------------------------------------------------
from django.http import Http404  # noqa: E402

from yalls.entities.forms import EdgeForm  # noqa: E402
from yalls.entities.graph import edge_graph_svg, edge_label  # noqa: E402


def _edges_entity(request, handle: str):
    """The entity for the edges manager: owners and managers only (others get 403)."""
    entity = selectors.access_entity(request.user, handle)
    if not selectors.controls(request.user, entity):
        raise PermissionDenied("Only the entity's owners and managers manage its relations.")
    return entity


@login_required
def entity_edges(request, handle: str):
    entity = _edges_entity(request, handle)
    form = EdgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            edge = services.edge_create(
                actor=request.user,
                source=entity,
                target_handle=data["target"],
                type=data["type"],
                parent_role=data["parent_role"],
                allow_crosspost=data["allow_crosspost"],
                auto_propagate=data["auto_propagate"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if edge.status == edge.Status.PENDING:
                messages.success(
                    request,
                    _("Request sent: @%(handle)s must accept it first.")
                    % {"handle": edge.target.handle},
                )
            else:
                messages.success(
                    request, _("Relation to @%(handle)s added.") % {"handle": edge.target.handle}
                )
            return redirect("entity_edges", entity.handle)
    edges = list(selectors.edges_touching(entity).order_by("created_at", "id"))
    rows = [
        {
            "edge": edge,
            "outgoing": edge.source_id == entity.pk,
            "other": edge.target if edge.source_id == entity.pk else edge.source,
            "label": edge_label(edge),
        }
        for edge in edges
    ]
    return render(
        request,
        "entities/edges.html",
        {
            "entity": entity,
            "form": form,
            "graph": edge_graph_svg(entity, edges),
            "rows": [r for r in rows if not (r["edge"].status == "pending" and not r["outgoing"])],
            "requests": [r for r in rows if r["edge"].status == "pending" and not r["outgoing"]],
            "nav_active": "entities",
        },
        status=400 if request.method == "POST" else 200,
    )


def _edge_action(request, handle: str, edge_id, action, success: str):
    entity = _edges_entity(request, handle)
    try:
        edge = selectors.access_edge(request.user, entity, edge_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    try:
        action(edge)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("entity_edges", entity.handle)


@login_required
@require_POST
def entity_edge_toggle(request, handle: str, edge_id):
    """One toggle from a POST form: `field` is allow_crosspost or auto_propagate, `value` on/off."""
    field = request.POST.get("field", "")
    if field not in ("allow_crosspost", "auto_propagate"):
        messages.error(request, _("Pick a setting to change."))
        return redirect("entity_edges", handle)
    value = request.POST.get("value") == "on"
    label = "Cross-posting" if field == "allow_crosspost" else "Auto-propagation"
    return _edge_action(
        request,
        handle,
        edge_id,
        lambda e: services.edge_update(actor=request.user, edge=e, **{field: value}),
        f"{label} {'on' if value else 'off'}.",
    )


@login_required
@require_POST
def entity_edge_remove(request, handle: str, edge_id):
    return _edge_action(
        request,
        handle,
        edge_id,
        lambda e: services.edge_remove(actor=request.user, edge=e),
        _("Relation removed."),
    )


@login_required
@require_POST
def entity_edge_decide(request, handle: str, edge_id, decision: str):
    accept = decision == "accept"
    return _edge_action(
        request,
        handle,
        edge_id,
        lambda e: services.edge_decide(actor=request.user, edge=e, accept=accept),
        _("Request accepted.") if accept else _("Request declined."),
    )


# --- Contact details and gallery ---------------------------------------------------------------
# Imported here so this section stays a self-contained append.
from yalls.entities.forms import ContactForm, PhotoForm  # noqa: E402


def _contact_initial(entity) -> dict:
    contact = selectors.entity_contact(entity)
    if contact is None:
        return {"country": "US"}
    return {
        **{name: getattr(contact, name) for name in services.CONTACT_FIELDS},
        "phone": contact.phone_display,  # as people write it; stored E.164 again on save
        "services": ", ".join(contact.services),
    }


@login_required
def entity_contact(request, handle: str):
    """Address, phone, website, hours, services and cover: its own form, so an error in it
    shows beside its field and keeps what was typed (and the main form is not resubmitted)."""
    entity = selectors.access_entity(request.user, handle)
    if not selectors.controls(request.user, entity):
        raise PermissionDenied(_("Only the entity's owner and managers can edit it."))
    form = ContactForm(
        request.POST or None, request.FILES or None, initial=_contact_initial(entity)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.entity_contact_update(
                actor=request.user,
                entity=entity,
                cover=data.get("cover"),
                remove_cover=data.get("remove_cover", False),
                **{name: data.get(name, "") for name in services.CONTACT_FIELDS},
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Contact details saved."))
            return redirect("profile", entity.handle)
    return render(
        request,
        "entities/contact_form.html",
        {
            "form": form,
            "entity": entity,
            "contact": selectors.entity_contact(entity),
            "photos": selectors.entity_photos(entity),
            "photo_form": PhotoForm(),
            "gallery_max": services.GALLERY_MAX,
            "nav_active": "entities",
        },
    )


@login_required
@require_POST
def entity_photo_add(request, handle: str):
    entity = selectors.access_entity(request.user, handle)
    if not selectors.controls(request.user, entity):
        raise PermissionDenied(_("Only the entity's owner and managers can edit it."))
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.entity_photo_add(
                actor=request.user,
                entity=entity,
                image=form.cleaned_data["photo"],
                alt_text=form.cleaned_data["alt_text"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Picture added to the gallery."))
            return redirect("entity_contact", entity.handle)
    return render(
        request,
        "entities/contact_form.html",
        {
            "form": ContactForm(initial=_contact_initial(entity)),
            "entity": entity,
            "contact": selectors.entity_contact(entity),
            "photos": selectors.entity_photos(entity),
            "photo_form": form,
            "gallery_max": services.GALLERY_MAX,
            "nav_active": "entities",
        },
        status=400,
    )


@login_required
@require_POST
def entity_photo_remove(request, handle: str, photo_id):
    entity = selectors.access_entity(request.user, handle)
    try:
        services.entity_photo_remove(actor=request.user, entity=entity, photo_id=photo_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Picture removed."))
    return redirect("entity_contact", entity.handle)
