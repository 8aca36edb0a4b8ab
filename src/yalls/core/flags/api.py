"""/api/v1/flags: every flag for the caller, and experiment exposures and conversions."""

import uuid
from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema
from pydantic import Field

from yalls.core.api import MEMBER_OR_ANONYMOUS, Input
from yalls.core.flags import selectors, services

router = Router(tags=["flags"])


class FlagOut(Schema):
    enabled: bool
    variant: str | None
    payload: Any = None


class FlagsOut(Schema):
    flags: dict[str, FlagOut]


class ExposureOut(Schema):
    key: str
    variant: str | None = Field(
        description="null when the flag is off for you: not in the experiment"
    )
    exposed: bool


class ConversionIn(Input):
    # The service's own rule (services.EVENT_PATTERN), stated so the document and parser agree.
    event: str = Field(
        max_length=64,
        pattern=r"^[a-z][a-z0-9_.]{0,63}$",
        description="A name such as `checkout` or `follow.created`",
    )


class ConversionOut(Schema):
    key: str
    event: str
    variant: str | None
    recorded: bool = Field(description="false when you were never exposed to the experiment")


@router.get(
    "",
    response=FlagsOut,
    auth=MEMBER_OR_ANONYMOUS,
    summary="Every flag for the caller (signed in or anonymous)",
    description="Anonymous callers are bucketed by the `X-Anonymous-Id` header (8–64 of "
    "A–Z a–z 0–9 _ -) or the `yalls_aid` cookie, which this endpoint sets when neither is sent.",
)
def flags_list(request, response: HttpResponse):
    user = request.auth  # a bad token was already a 401, not a silent fall back to anonymous
    if user.is_authenticated:
        flags = selectors.flags_for(user)
    else:
        anonymous_id = selectors.request_anonymous_id(request)
        if anonymous_id is None:
            anonymous_id = uuid.uuid4().hex
            response.set_cookie(
                selectors.ANONYMOUS_ID_COOKIE,
                anonymous_id,
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        flags = selectors.flags_for(None, anonymous_id=anonymous_id)
    response["Cache-Control"] = "private, no-store"
    return {"flags": {key: state.as_dict() for key, state in flags.items()}}


@router.post("/{key}/exposure", response=ExposureOut, summary="Record that you saw an experiment")
def exposure_create(request, key: str):
    exposure = services.experiment_expose(key=key, subject=request.auth)
    return {
        "key": key,
        "variant": exposure.variant if exposure else None,
        "exposed": exposure is not None,
    }


@router.post(
    "/{key}/conversion",
    response=ConversionOut,
    summary="Record a conversion event in an experiment",
)
def conversion_create(request, key: str, payload: ConversionIn):
    conversion = services.experiment_convert(key=key, subject=request.auth, event=payload.event)
    return {
        "key": key,
        "event": payload.event,
        "variant": conversion.variant if conversion else None,
        "recorded": conversion is not None,
    }
