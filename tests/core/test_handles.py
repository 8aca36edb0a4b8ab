"""Look-alike handles: a new handle may not share the TS #39 skeleton of one already taken (on
ASCII too: `Iiam_tack` for `liam_tack`, `adm1n_ava` for `admin_ava`)."""

import uuid

import pytest
from django.db import IntegrityError, transaction

from tests.factories import MemberFactory
from yalls.accounts.forms import clean_handle_value
from yalls.core.errors import Conflict
from yalls.core.handles import handle_claim, handle_skeleton
from yalls.core.models import Handle

MEMBER = Handle.Kind.MEMBER


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("liam_tack", "Iiam_tack"),
        ("liam_tack", "1iam_tack"),
        ("admin_ava", "adm1n_ava"),
        ("admin_ava", "ADMlN_AVA"),
        ("bo0t_jack", "boot_jack"),
        ("maya", "rnaya"),
        ("wade", "vvade"),
        ("dale", "clale"),
    ],
)
def test_look_alikes_share_a_skeleton(one, other):
    assert handle_skeleton(one) == handle_skeleton(other)


@pytest.mark.parametrize(("one", "other"), [("liam_tack", "liam_track"), ("ava", "eva")])
def test_different_handles_do_not(one, other):
    assert handle_skeleton(one) != handle_skeleton(other)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("taken", "look_alike"), [("liam_tack", "Iiam_tack"), ("admin_ava", "adm1n_ava")]
)
def test_a_look_alike_of_a_taken_handle_is_refused(taken, look_alike):
    MemberFactory(handle=taken)
    with pytest.raises(Conflict) as refused:
        handle_claim(handle=look_alike, kind=MEMBER, owner_id=uuid.uuid4())
    assert refused.value.code == "handle.confusable"
    assert f"@{taken}" in refused.value.message
    assert not Handle.objects.filter(handle=look_alike).exists()


@pytest.mark.django_db
def test_the_same_handle_in_another_case_is_still_taken():
    MemberFactory(handle="liam_tack")
    with pytest.raises(Conflict) as refused:
        handle_claim(handle="LIAM_TACK", kind=MEMBER, owner_id=uuid.uuid4())
    assert refused.value.code == "handle.taken"


@pytest.mark.django_db
def test_an_owner_may_restyle_their_own_handle():
    member = MemberFactory(handle="liam_tack")
    assert handle_claim(handle="Liam_Tack", kind=MEMBER, owner_id=member.pk) == "Liam_Tack"
    assert Handle.objects.get(owner_id=member.pk).skeleton == handle_skeleton("liam_tack")


@pytest.mark.django_db
def test_the_sign_up_form_says_which_handle_it_looks_like():
    MemberFactory(handle="admin_ava")
    from django import forms

    with pytest.raises(forms.ValidationError) as refused:
        clean_handle_value("adm1n_ava")
    assert refused.value.code == "handle.confusable"


@pytest.mark.django_db
def test_the_database_refuses_two_rows_with_one_skeleton():
    MemberFactory(handle="liam_tack")
    with pytest.raises(IntegrityError), transaction.atomic():
        Handle.objects.create(
            handle="Iiam_tack", skeleton=handle_skeleton("Iiam_tack"), kind=MEMBER,
            owner_id=uuid.uuid4(),
        )  # fmt: skip
