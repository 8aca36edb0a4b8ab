"""Entity pages: the public page, create, edit, members, archive/restore, transfer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from yalls.core.errors import DomainError
from yalls.entities import selectors, services
from yalls.entities.forms import EntityForm, MemberForm, TransferForm
from yalls.entities.models import EntityMember


def entity_page(request, handle: str):
    entity = selectors.access_entity(request.user, handle)
    role = selectors.member_role(request.user, entity)
    return render(
        request,
        "entities/entity_page.html",
        {
            "entity": entity,
            "my_role": role,
            "can_edit": role in (EntityMember.Role.OWNER, EntityMember.Role.MANAGER),
            "horse": getattr(entity, "horse", None) if entity.kind.is_horse else None,
            "memberships": selectors.entity_memberships(entity),
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
            messages.success(request, f"{entity.display_name} is live.")
            return redirect("profile", entity.handle)
    return render(
        request, "entities/form.html", {"form": form, "creating": True, "nav_active": "entities"}
    )


@login_required
def entity_edit(request, handle: str):
    entity = selectors.access_entity(request.user, handle)
    if selectors.member_role(request.user, entity) not in services.EDIT_ROLES:
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
            messages.success(request, "Saved.")
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
        f"Ownership passed to @{new_owner.lstrip('@')}.",
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
