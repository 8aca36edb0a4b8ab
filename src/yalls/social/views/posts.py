"""Web pages of posts: the composer (/compose, with draft autosave and preview endpoints), the
post page (/p/<id>) with repost, edit and delete, and an entity's approval queue. Thin: parse,
call one service or selector, render. The composer works without JavaScript."""

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yalls.core.errors import DomainError
from yalls.core.identifiers import uuid_parse
from yalls.entities.selectors import access_entity
from yalls.social import errors
from yalls.social.models import Post
from yalls.social.selectors import posts as selectors
from yalls.social.services import media as media_services
from yalls.social.services import posts as services
from yalls.social.services import targets as target_services
from yalls.social.text import body_render


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ComposeForm(forms.Form):
    """Field checks here are only shape; the rules (and their messages) live in the service."""

    body = forms.CharField(
        required=False,
        label=gettext_lazy("What's happening?"),
        widget=forms.Textarea(
            attrs={"rows": 6, "data-max": services.MAX_BODY, "aria-describedby": "body-count"}
        ),
        strip=False,
    )
    as_entity = forms.ChoiceField(required=False, label=gettext_lazy("Post as"))
    visibility = forms.ChoiceField(
        choices=Post.Visibility.choices, initial="public", label=gettext_lazy("Who can see it")
    )
    targets = forms.MultipleChoiceField(
        required=False, label=gettext_lazy("Also post to"), widget=forms.CheckboxSelectMultiple
    )
    other_targets = forms.CharField(
        required=False, max_length=500, label=gettext_lazy("Other entities"),
        help_text=gettext_lazy("Handles, separated by commas or spaces. Entities you don't manage approve first."),
    )  # fmt: skip
    images = MultipleFileField(required=False, label=gettext_lazy("Photos (up to 10)"))
    image_alt = forms.CharField(
        required=False, max_length=media_services.MAX_ALT_TEXT, label=gettext_lazy("Describe the photos"),
        help_text=gettext_lazy("Read out to people using screen readers."),
    )  # fmt: skip
    video = forms.FileField(
        required=False, label=gettext_lazy("Video (MP4 or WebM, up to 50 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4,video/webm"}),
    )  # fmt: skip
    publish_at = forms.DateTimeField(
        required=False, label=gettext_lazy("Schedule for later"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )  # fmt: skip
    draft_id = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, member, picker, crosspost: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["as_entity"].choices = [("", f"Myself ({member.display_name})")] + [
            (e.handle, f"{e.display_name} (@{e.handle})") for e, _ in picker["mine"]
        ]
        if crosspost:
            mine = [(e.handle, f"{e.display_name} — yours") for e, _ in picker["mine"]]
            suggested = [
                (
                    s["entity"].handle,
                    f"{s['entity'].display_name} — {'connected' if s['crosspost'] else 'needs approval'}",
                )
                for s in picker["suggested"]
            ]
            self.fields["targets"].choices = mine + suggested
        else:
            del self.fields["targets"]
            del self.fields["other_targets"]
        self.fields["publish_at"].help_text = _(
            "Your time zone: %(zone)s. Leave empty to post now."
        ) % {"zone": member.timezone}

    def target_handles(self) -> list[str]:
        handles = list(self.cleaned_data.get("targets") or [])
        other = (self.cleaned_data.get("other_targets") or "").replace(",", " ").split()
        return handles + [h.lstrip("@") for h in other]


def _apply_error(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    if exc.field == "as_entity" and "as_entity" not in form.fields:
        field = None
    # The checkboxes list real, reachable entities: an unknown or refused handle was typed into
    # "Other entities", so that is where the member looks for the message.
    typed = form.cleaned_data.get("other_targets") if hasattr(form, "cleaned_data") else ""
    if (
        exc.field == "targets"
        and exc.code in (errors.TARGET_UNKNOWN, errors.TARGET_NOT_ALLOWED)
        and "other_targets" in form.fields
        and (typed or "").strip()
    ):
        field = "other_targets"
    form.add_error(field, exc.message)


def _preview(member, form: ComposeForm) -> dict:
    """The dry run shown beside the composer: rendered body, targets, auto-propagation."""
    data = form.cleaned_data
    try:
        plan = target_services.propagation_preview(
            author=member, as_entity=data.get("as_entity") or None, targets=form.target_handles()
        )
    except DomainError as exc:
        return {"body_html": body_render(data.get("body") or ""), "error": exc.message}
    return {
        "body_html": body_render(data.get("body") or ""),
        "targets": plan["targets"],
        "propagates_to": plan["propagates_to"],
    }


def _compose_context(request, form, picker, crosspost, preview=None) -> dict:
    hint = preview
    if hint is None and form.is_bound is False:
        as_entity = form.initial.get("as_entity")
        if as_entity:
            try:
                hint = {
                    "propagates_to": target_services.propagation_preview(
                        author=request.user, as_entity=as_entity
                    )["propagates_to"]
                }
            except DomainError:
                hint = None
    return {
        "form": form,
        "picker": picker,
        "crosspost": crosspost,
        "preview": preview,
        "hint": hint,
        "nav_active": "compose",
        "max_body": services.MAX_BODY,
        "scheduled": selectors.my_scheduled(request.user)[:5],
    }


@login_required
def compose(request):
    member = request.user
    picker = selectors.composer_entities(member)
    crosspost = target_services.crosspost_enabled(member)
    if request.method != "POST":
        draft = selectors.my_drafts(member).first()
        initial = {"visibility": "public"}
        if draft is not None and not request.GET.get("as") and not request.GET.get("to"):
            initial.update(
                body=draft.body, visibility=draft.visibility, draft_id=str(draft.pk),
                as_entity=draft.as_entity.handle if draft.as_entity_id else "",
            )  # fmt: skip
        if request.GET.get("as"):
            initial["as_entity"] = request.GET["as"]
        if request.GET.get("to") and crosspost:
            initial["other_targets"] = request.GET["to"][:60]
        form = ComposeForm(initial=initial, member=member, picker=picker, crosspost=crosspost)
        context = _compose_context(request, form, picker, crosspost)
        context["draft_restored"] = "draft_id" in initial
        return render(request, "compose.html", context)

    form = ComposeForm(
        request.POST, request.FILES, member=member, picker=picker, crosspost=crosspost
    )
    if not form.is_valid():
        return render(
            request, "compose.html", _compose_context(request, form, picker, crosspost), status=400
        )
    data = form.cleaned_data
    if request.POST.get("action") == "preview":
        return render(
            request,
            "compose.html",
            _compose_context(request, form, picker, crosspost, _preview(member, form)),
        )
    draft = None
    if data.get("draft_id"):
        draft = selectors.my_drafts(member).filter(pk=uuid_parse(data["draft_id"])).first()
    images = request.FILES.getlist("images")
    try:
        post = services.post_create(
            author=member, body=data.get("body") or "", as_entity=data.get("as_entity") or None,
            visibility=data["visibility"], targets=form.target_handles() if crosspost else [],
            images=images, image_alts=[data.get("image_alt") or ""] * len(images),
            video=data.get("video"), publish_at=data.get("publish_at"), draft=draft,
        )  # fmt: skip
    except DomainError as exc:
        _apply_error(form, exc)
        return render(
            request, "compose.html", _compose_context(request, form, picker, crosspost), status=400
        )
    if post.state == Post.State.SCHEDULED:
        messages.success(request, _("Scheduled. It will be published at the time you picked."))
        return redirect("compose")
    pending = post.targets.filter(status="pending").count()
    messages.success(
        request,
        "Posted."
        + (
            f" {pending} entit{'y' if pending == 1 else 'ies'} will review it first."
            if pending
            else ""
        ),
    )
    return redirect("post_page", post_id=post.pk)


@login_required
@require_POST
def compose_draft(request):
    """The composer's autosave (every 5 s while typing): upsert the draft, answer JSON."""
    try:
        draft = services.draft_save(
            author=request.user, body=request.POST.get("body", ""), as_entity=request.POST.get("as_entity") or None,
            visibility=request.POST.get("visibility") or "public", draft_id=request.POST.get("draft_id") or None,
        )  # fmt: skip
    except DomainError as exc:
        return JsonResponse({"ok": False, "code": exc.code, "message": exc.message}, status=400)
    return JsonResponse({"ok": True, "id": str(draft.pk), "saved_at": draft.updated_at.isoformat()})


@login_required
@require_POST
def compose_preview(request):
    """The preview fragment (body as it will look, where it goes, what it propagates to)."""
    member = request.user
    picker = selectors.composer_entities(member)
    crosspost = target_services.crosspost_enabled(member)
    form = ComposeForm(request.POST, member=member, picker=picker, crosspost=crosspost)
    if not form.is_valid():
        return render(
            request,
            "social/compose_preview.html",
            {"preview": {"error": _("Check the form fields.")}},
        )
    return render(
        request,
        "social/compose_preview.html",
        {"preview": _preview(member, form), "max_body": services.MAX_BODY},
    )


def post_page(request, post_id):
    viewer = request.user if request.user.is_authenticated else None
    post = selectors.access_post(viewer, post_id)
    selectors.cards_prepare(viewer, [post])
    chain = selectors.attribution_chain(post)
    is_author = viewer is not None and viewer.pk == post.author_id
    targets = selectors.post_targets_for(viewer, post)
    can_delete = selectors.post_deletable_by(viewer, post)
    return render(
        request,
        "social/post_page.html",
        {
            "post": post,
            "chain": chain,
            "targets": targets,
            "is_author": is_author,
            "can_delete": can_delete,
            "revisions": list(post.revisions.all()) if is_author else [],
            "crosspost": viewer is not None and target_services.crosspost_enabled(viewer),
        },
    )


@login_required
@require_POST
def post_repost(request, post_id):
    post = selectors.access_post(request.user, post_id)
    targets = (request.POST.get("targets") or "").replace(",", " ").split()
    try:
        repost, created = services.repost_create(
            actor=request.user, post=post, caption=request.POST.get("caption", ""),
            targets=[t.lstrip("@") for t in targets],
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("post_page", post_id=post.pk)
    messages.success(request, _("Reposted.") if created else _("You had already reposted this."))
    return redirect("post_page", post_id=repost.pk)


@login_required
def post_edit(request, post_id):
    post = selectors.access_own_post(request.user, post_id)
    error = None
    if request.method == "POST":
        try:
            services.post_update(
                actor=request.user, post=post, body=request.POST.get("body", ""),
                visibility=request.POST.get("visibility") or None,
            )  # fmt: skip
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(
                request, _("Saved. The earlier version is kept in the post's history.")
            )
            return redirect("post_page", post_id=post.pk)
        post.body = request.POST.get("body", "")
    return render(
        request,
        "social/post_edit.html",
        {
            "post": post,
            "error": error,
            "max_body": services.MAX_BODY,
            "visibilities": Post.Visibility.choices,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def post_delete(request, post_id):
    post = selectors.access_post(request.user, post_id)
    services.post_delete(actor=request.user, post=post)
    messages.success(request, _("Post deleted."))
    return redirect("profile", handle=request.user.handle)


@login_required
def approvals(request, handle):
    entity = access_entity(request.user, handle)
    queue = list(selectors.approval_queue(request.user, entity).order_by("-created_at")[:50])
    selectors.cards_prepare(request.user, [t.post for t in queue])
    return render(
        request,
        "social/approvals.html",
        {
            "entity": entity,
            "queue": queue,
            "undo": _undo_offer(request, entity),
            "reason_max": target_services.REJECT_REASON_MAX,
        },
    )


REJECT_UNDO_SESSION_KEY = "yalls_reject_undo"


@login_required
@require_POST
def approval_decide(request, handle, target_id, decision):
    if decision not in ("approve", "reject"):
        raise DomainError("request.bad", _("Approve or reject."), status=404)
    entity = access_entity(request.user, handle)
    approve = decision == "approve"
    try:
        target = target_services.target_decide(
            actor=request.user,
            entity=entity,
            target_id=target_id,
            approve=approve,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        if approve:
            messages.success(
                request,
                _("Approved: the post now appears on %(entity)s.")
                % {"entity": entity.display_name},
            )
        else:
            # The queue shows "Rejected" with an Undo button until the window closes.
            request.session[REJECT_UNDO_SESSION_KEY] = {
                "target": str(target.pk),
                "entity": entity.handle,
                "until": (
                    timezone.now() + timedelta(seconds=target_services.REJECT_UNDO_SECONDS)
                ).isoformat(),
            }
    return redirect("post_approvals", handle=entity.handle)


@login_required
@require_POST
def approval_undo(request, handle, target_id):
    entity = access_entity(request.user, handle)
    request.session.pop(REJECT_UNDO_SESSION_KEY, None)
    try:
        target_services.target_reject_undo(
            actor=request.user, entity=entity, target_id=target_id, now=timezone.now()
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Undone: the post is waiting for a decision again."))
    return redirect("post_approvals", handle=entity.handle)


def _undo_offer(request, entity) -> dict | None:
    """The rejection just made here, while it can still be undone (shown once, then it expires)."""
    offer = request.session.get(REJECT_UNDO_SESSION_KEY)
    if not offer or offer.get("entity") != entity.handle:
        return None
    until = datetime.fromisoformat(offer["until"])
    left = (until - timezone.now()).total_seconds()
    if left <= 0:
        request.session.pop(REJECT_UNDO_SESSION_KEY, None)
        return None
    return {"target": offer["target"], "seconds": max(1, int(left))}


urlpatterns = [
    path("compose/draft", compose_draft, name="compose_draft"),
    path("compose/preview", compose_preview, name="compose_preview"),
    path("p/<uuid:post_id>", post_page, name="post_page"),
    path("p/<uuid:post_id>/repost", post_repost, name="post_repost"),
    path("p/<uuid:post_id>/edit", post_edit, name="post_edit"),
    path("p/<uuid:post_id>/delete", post_delete, name="post_delete"),
    path("entities/<str:handle>/approvals", approvals, name="post_approvals"),
    path(
        "entities/<str:handle>/approvals/<uuid:target_id>/undo",
        approval_undo,
        name="post_approval_undo",
    ),
    path(
        "entities/<str:handle>/approvals/<uuid:target_id>/<str:decision>",
        approval_decide,
        name="post_approval_decide",
    ),
]
