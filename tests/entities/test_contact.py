"""Where and how to reach a farm or business: address with a map link, phone, website, opening
hours, services, cover picture and gallery, set by owners and managers, shown on the entity page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.factories import EntityFactory, MemberFactory
from yalls.core.errors import DomainError
from yalls.entities import services
from yalls.entities.models import EntityContact, EntityPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, entity_kinds):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def farm():
    owner = MemberFactory(handle="farm_owner")
    return EntityFactory(actor=owner, handle="oak_farm", display_name="Oak Farm", kind="farm")


def picture(size=(1200, 800), name="barn.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 120, 60)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def browser(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("(303) 555-0142", "+13035550142"),
        ("303.555.0142", "+13035550142"),
        ("1 303 555 0142", "+13035550142"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("", ""),
    ],
)
def test_phone_numbers_are_stored_as_e164(raw, stored):
    assert services.phone_normalize(raw) == stored


@pytest.mark.parametrize("raw", ["555-0142", "call me", "+1 303 555 01420", "+12"])
def test_bad_phone_numbers_are_refused_on_the_phone_field(raw):
    with pytest.raises(DomainError) as caught:
        services.phone_normalize(raw)
    assert (caught.value.code, caught.value.field) == ("entity.phone_invalid", "phone")


def test_owner_sets_contact_details_and_they_are_cleaned(farm):
    contact = services.entity_contact_update(
        actor=farm.owner,
        entity=farm,
        street=" 12  Barn Rd ",
        city="Longmont",
        region="CO",
        postal_code="80501",
        country="us",
        phone="(303) 555-0142",
        website="oakfarm.example",
        opening_hours="Mon–Fri 8:00–18:00\n\n Sat 9:00–12:00 ",
        services="Boarding, lessons,  Boarding , hauling",
    )
    assert contact.address == "12 Barn Rd, Longmont, CO 80501"
    assert contact.country == "US" and contact.phone == "+13035550142"
    assert contact.website == "https://oakfarm.example"
    assert contact.opening_lines == ["Mon–Fri 8:00–18:00", "Sat 9:00–12:00"]
    assert contact.services == ["Boarding", "lessons", "hauling"]
    assert contact.map_link.startswith("https://www.openstreetmap.org/search?query=12+Barn+Rd")
    assert contact.phone_display == "(303) 555-0142"


def test_a_bad_value_changes_nothing(farm):
    services.entity_contact_update(actor=farm.owner, entity=farm, phone="303 555 0142")
    with pytest.raises(DomainError) as caught:
        services.entity_contact_update(
            actor=farm.owner, entity=farm, phone="+1 999", website="https://ok.example"
        )
    assert caught.value.field == "phone"
    contact = EntityContact.objects.get(entity=farm)
    assert contact.phone == "+13035550142" and contact.website == ""


@pytest.mark.parametrize("website", ["javascript:alert(1)", "ftp://files.example", "not a site"])
def test_websites_must_be_http_addresses(farm, website):
    with pytest.raises(DomainError) as caught:
        services.entity_contact_update(actor=farm.owner, entity=farm, website=website)
    assert (caught.value.code, caught.value.field) == ("entity.url_invalid", "website")


def test_only_owners_and_managers_edit_contact_details(farm):
    stranger = MemberFactory()
    with pytest.raises(DomainError) as caught:
        services.entity_contact_update(actor=stranger, entity=farm, city="Nowhere")
    assert caught.value.status == 403
    assert browser(stranger).get("/entities/oak_farm/contact").status_code == 403
    assert not EntityContact.objects.exists()


def test_contact_form_error_sits_beside_its_field_and_keeps_the_input(farm):
    response = browser(farm.owner).post(
        "/entities/oak_farm/contact",
        {"street": "12 Barn Rd", "city": "Longmont", "phone": "555", "website": "oak.example"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["phone"]
    html = response.content.decode()
    assert 'id="id_phone_error"' in html and 'aria-invalid="true"' in html
    assert 'value="12 Barn Rd"' in html and 'value="oak.example"' in html  # nothing lost
    assert "data-focus-first-error" in html


def test_entity_page_shows_where_and_how_to_reach_the_farm(farm):
    browser(farm.owner).post(
        "/entities/oak_farm/contact",
        {
            "street": "12 Barn Rd",
            "city": "Longmont",
            "region": "CO",
            "postal_code": "80501",
            "country": "US",
            "phone": "303-555-0142",
            "website": "https://oakfarm.example/",
            "opening_hours": "Mon–Fri 8:00–18:00",
            "services": "Boarding, Lessons",
            "cover": picture(),
        },
    )
    html = Client().get("/@oak_farm").content.decode()
    assert "<address>12 Barn Rd, Longmont, CO 80501</address>" in html
    assert (
        'href="https://www.openstreetmap.org/search?query=12+Barn+Rd%2C+Longmont%2C+CO+80501"'
        in html
    )
    assert '<a href="tel:+13035550142">(303) 555-0142</a>' in html
    assert 'href="https://oakfarm.example/" rel="noopener nofollow">oakfarm.example</a>' in html
    assert "Mon–Fri 8:00–18:00" in html and '<li class="badge">Lessons</li>' in html
    contact = EntityContact.objects.get(entity=farm)
    assert contact.cover.name.endswith(".webp")
    assert f'<img class="profile-cover-img" src="{contact.cover.url}"' in html
    assert "Longmont, CO" in html  # the place also shows under the name
    form = browser(farm.owner).get("/entities/oak_farm/contact").content.decode()
    assert 'value="(303) 555-0142"' in form  # edited as people write it, not as stored


def test_managers_without_details_are_invited_to_add_them(farm):
    page = browser(farm.owner).get("/@oak_farm").content.decode()
    assert "Tell people where to find you" in page and 'href="/entities/oak_farm/contact"' in page
    assert "Tell people where to find you" not in Client().get("/@oak_farm").content.decode()


def test_gallery_add_remove_and_limit(farm, monkeypatch):
    client = browser(farm.owner)
    response = client.post(
        "/entities/oak_farm/photos", {"photo": picture(), "alt_text": "Indoor arena at dusk"}
    )
    assert response.status_code == 302
    photo = EntityPhoto.objects.get(entity=farm)
    assert (photo.width, photo.height) == (1200, 800) and photo.image.name.endswith(".webp")
    assert 'alt="Indoor arena at dusk"' in Client().get("/@oak_farm").content.decode()

    monkeypatch.setattr(services, "GALLERY_MAX", 1)
    full = client.post("/entities/oak_farm/photos", {"photo": picture(), "alt_text": ""})
    assert full.status_code == 400 and "photo" in full.context["photo_form"].errors
    not_image = client.post(
        "/entities/oak_farm/photos",
        {"photo": SimpleUploadedFile("x.png", b"not an image", content_type="image/png")},
    )
    assert not_image.status_code == 400

    client.post(f"/entities/oak_farm/photos/{photo.pk}/remove")
    assert not EntityPhoto.objects.exists()
    stranger = browser(MemberFactory())
    assert stranger.post("/entities/oak_farm/photos", {"photo": picture()}).status_code == 403


def test_api_reads_and_sets_contact_details(farm):
    from tests.entities.test_api import assert_problem, send, token_for

    api = Client()
    empty = api.get("/api/v1/entities/oak_farm/contact")
    assert (
        empty.status_code == 200 and empty.json()["phone"] == "" and empty.json()["gallery"] == []
    )

    token = token_for(api, farm.owner)
    response = send(
        api,
        "patch",
        "/api/v1/entities/oak_farm/contact",
        {"city": "Longmont", "region": "CO", "phone": "303 555 0142", "services": ["Boarding"]},
        token=token,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone"] == "+13035550142" and body["services"] == ["Boarding"]
    assert body["map_url"].startswith("https://www.openstreetmap.org/search?query=Longmont")

    bad = send(api, "patch", "/api/v1/entities/oak_farm/contact", {"phone": "12"}, token=token)
    assert_problem(bad, 400, "entity.phone_invalid")
    unknown = send(api, "patch", "/api/v1/entities/oak_farm/contact", {"fax": "1"}, token=token)
    assert unknown.status_code == 422
    stranger = token_for(api, MemberFactory(handle="stranger_api"))
    refused = send(api, "patch", "/api/v1/entities/oak_farm/contact", {"city": "X"}, token=stranger)
    assert refused.status_code == 403
