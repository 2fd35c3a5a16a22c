"""QR codes and posters (POST-1, POST-2): decodable QR, composed poster size and QR region, libraries."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from django.core.exceptions import PermissionDenied
from PIL import Image

from cms.posters.models import GeneratedPoster, PosterTemplate
from cms.posters.services import font_path, poster_compose
from cms.products.models import Product
from cms.qrcodes import qr_image, qr_png, qr_svg
from tests.factories import make_image
from trackers.share import share_token_verify, share_url


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_qr_png_and_svg_encode_the_url():
    url = "https://h5.example.com/h5/s/AbC-123_xyz/?x=1"
    assert decode(Image.open(io.BytesIO(qr_png(url)))) == [url]
    svg = qr_svg(url)
    assert svg.startswith(b"<svg") and b"path" in svg
    assert decode(qr_image(url, size=180)) == [url]
    assert qr_image(url, size=180).size == (180, 180)
    with pytest.raises(ValueError):
        qr_png("")


@pytest.fixture
def template(enterprise_a):
    background = make_image(enterprise_a, "festival", size=(750, 1334), colour=(180, 20, 30))
    return PosterTemplate.objects.create(
        enterprise=enterprise_a,
        name="Spring",
        theme="festival",
        background=background,
        qr_x=500,
        qr_y=1080,
        qr_size=220,
        avatar_x=40,
        avatar_y=1100,
        avatar_size=120,
        name_x=180,
        name_y=1120,
        caption="新春快乐",
        caption_x=40,
        caption_y=80,
    )


def test_poster_has_background_size_and_qr_region_decodes_to_share_url(template, salesperson_a):
    poster = poster_compose(salesperson=salesperson_a, target=salesperson_a.card, template=template)
    image = Image.open(poster.image.open("rb")).convert("RGB")
    assert image.size == (750, 1334) == (poster.width, poster.height)
    region = image.crop((template.qr_x, template.qr_y, template.qr_x + 220, template.qr_y + 220))
    # POST-3: the QR code carries the poster's own token (kind poster), not the card's link
    [scanned] = decode(region)
    assert scanned == poster.share_url != share_url(salesperson_a.card, salesperson_a)
    context = share_token_verify(scanned.rstrip("/").rsplit("/", 1)[-1])
    assert (context.kind, context.target_id, context.salesperson_id) == (
        "poster",
        poster.pk,
        salesperson_a.pk,
    )
    assert poster.target_kind == "card"


def test_poster_output_is_cached_by_inputs(template, salesperson_a, enterprise_a):
    first = poster_compose(salesperson=salesperson_a, target=salesperson_a.card, template=template)
    again = poster_compose(salesperson=salesperson_a, target=salesperson_a.card, template=template)
    assert again.pk == first.pk and GeneratedPoster.objects.count() == 1
    product = Product.objects.create(enterprise=enterprise_a, name="Pump")
    other = poster_compose(salesperson=salesperson_a, target=product, template=template)
    assert other.pk != first.pk and other.target_kind == "product"
    template.caption = "changed"
    template.save()
    assert poster_compose(salesperson=salesperson_a, target=product, template=template).pk != other.pk


def test_uploaded_image_poster_gets_qr_bottom_right(enterprise_a, salesperson_a):
    upload = make_image(enterprise_a, "my-photo", size=(600, 800), colour=(20, 60, 120))
    poster = poster_compose(salesperson=salesperson_a, target=salesperson_a.card, source_image=upload)
    image = Image.open(poster.image.open("rb")).convert("RGB")
    assert image.size == (600, 800)
    assert decode(image.crop((300, 500, 600, 800))) == [poster.share_url]


def test_cjk_font_is_found():
    assert font_path() is not None and "CJK" in font_path()


def test_poster_refuses_foreign_template_target_and_image(
    template, salesperson_b, salesperson_a, enterprise_b
):
    with pytest.raises(PermissionDenied):
        poster_compose(salesperson=salesperson_b, target=salesperson_b.card, template=template)
    with pytest.raises(PermissionDenied):
        poster_compose(salesperson=salesperson_a, target=salesperson_b.card, template=template)
    foreign_image = make_image(enterprise_b, "b")
    with pytest.raises(PermissionDenied):
        poster_compose(salesperson=salesperson_a, target=salesperson_a.card, source_image=foreign_image)


def test_template_position_outside_background_is_a_field_error(template):
    from django.core.exceptions import ValidationError

    template.qr_x = 700
    with pytest.raises(ValidationError) as excinfo:
        template.full_clean()
    assert "qr_x" in excinfo.value.message_dict


URL = "/admin/snippets/posters/postertemplate/"


def test_three_libraries_in_the_admin(
    login, template, enterprise_a, salesperson_a, other_salesperson_a, admin_a, admin_b
):
    platform = PosterTemplate.objects.create(name="Platform New Year", background=template.background)
    mine = PosterTemplate.objects.create(
        enterprise=enterprise_a, owner=salesperson_a, name="My own", background=template.background
    )
    theirs = PosterTemplate.objects.create(
        enterprise=enterprise_a, owner=other_salesperson_a, name="Colleague's", background=template.background
    )
    client = login(salesperson_a.user)
    listing = client.get(URL).content.decode()
    assert "Platform New Year" in listing and "Spring" in listing and "My own" in listing
    assert "Colleague&#x27;s" not in listing and "Colleague's" not in listing
    assert client.get(f"{URL}edit/{mine.pk}/").status_code == 200
    for pk in (platform.pk, template.pk, theirs.pk):
        assert client.get(f"{URL}edit/{pk}/").status_code == 404
    admin = login(admin_a)
    assert admin.get(f"{URL}edit/{template.pk}/").status_code == 200
    assert admin.get(f"{URL}edit/{platform.pk}/").status_code == 404
    other = login(admin_b).get(URL).content.decode()
    assert "Spring" not in other and "My own" not in other and "Platform New Year" in other


def test_generate_view_returns_a_png_for_the_salesperson(login, template, salesperson_a, salesperson_b):
    response = login(salesperson_a.user).get(f"/admin/posters/generate/?template={template.pk}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.size == (750, 1334)


def test_generate_view_refuses_foreign_template(client, login, template, salesperson_b):
    response = login(salesperson_b.user).get(f"/admin/posters/generate/?template={template.pk}")
    assert response.status_code in (302, 403, 404)
    assert not GeneratedPoster.objects.filter(salesperson=salesperson_b).exists()


def test_poster_of_a_form_page_points_at_its_share_url(template, enterprise_a, salesperson_a):
    from cms.leadforms.services import leadform_create

    form = leadform_create(
        enterprise=enterprise_a,
        title="Quote",
        fields=[
            {"label": "Name", "field_type": "singleline"},
        ],
    )
    poster = poster_compose(salesperson=salesperson_a, target=form, template=template)
    assert poster.target_kind == "form" and poster.target_id == form.pk
    assert share_token_verify(poster.share_url.rstrip("/").rsplit("/", 1)[-1]).kind == "poster"
    image = Image.open(poster.image.open("rb")).convert("RGB")
    assert decode(image.crop((500, 1080, 720, 1300))) == [poster.share_url]


def _template_payload(background, **changes):
    data = {
        "name": "Mine",
        "theme": "greeting",
        "is_active": "on",
        "background": background.pk,
        "qr_x": "40",
        "qr_y": "40",
        "qr_size": "200",
        "show_avatar": "",
        "avatar_x": "0",
        "avatar_y": "0",
        "avatar_size": "96",
        "show_name": "on",
        "name_x": "10",
        "name_y": "10",
        "name_size": "30",
        "name_colour": "#222222",
        "caption": "",
        "caption_x": "0",
        "caption_y": "0",
        "caption_size": "20",
        "caption_colour": "#444444",
    }
    data.update(changes)
    return data


def test_salesperson_template_lands_in_their_own_library(login, template, salesperson_a, enterprise_b):
    client = login(salesperson_a.user)
    response = client.post(f"{URL}add/", _template_payload(template.background))
    assert response.status_code == 302, response.content.decode()[:2000]
    created = PosterTemplate.objects.get(name="Mine")
    assert created.library == "mine" and created.owner == salesperson_a
    foreign = make_image(enterprise_b, "beta-bg", size=(750, 1334))
    response = client.post(f"{URL}add/", _template_payload(foreign, name="Foreign bg"))
    assert response.status_code == 200 and not PosterTemplate.objects.filter(name="Foreign bg").exists()


def test_generate_view_with_own_uploaded_image(login, enterprise_a, enterprise_b, salesperson_a):
    own = make_image(enterprise_a, "upload", size=(600, 800))
    client = login(salesperson_a.user)
    response = client.get(f"/admin/posters/generate/?image={own.pk}")
    assert response.status_code == 200
    image = Image.open(io.BytesIO(b"".join(response.streaming_content))).convert("RGB")
    poster = GeneratedPoster.objects.get(salesperson=salesperson_a)
    assert decode(image.crop((300, 500, 600, 800))) == [poster.share_url]
    foreign = make_image(enterprise_b, "theirs")
    assert client.get(f"/admin/posters/generate/?image={foreign.pk}").status_code == 404
    assert client.get("/admin/posters/generate/").status_code == 400


def test_generate_view_for_a_page_of_own_site_only(
    login, template, enterprise_a, enterprise_b, salesperson_a
):
    from cms.leadforms.services import leadform_create

    fields = [{"label": "Name", "field_type": "singleline"}]
    own = leadform_create(enterprise=enterprise_a, title="Quote", fields=fields)
    foreign = leadform_create(enterprise=enterprise_b, title="Beta quote", fields=fields)
    client = login(salesperson_a.user)
    response = client.get(f"/admin/posters/generate/?template={template.pk}&page={own.pk}")
    assert response.status_code == 200
    assert GeneratedPoster.objects.get(salesperson=salesperson_a).target_kind == "form"
    assert client.get(f"/admin/posters/generate/?template={template.pk}&page={foreign.pk}").status_code == 404


def test_a_scan_of_the_posters_qr_code_credits_the_poster_and_its_salesperson(
    client, template, salesperson_a, admin_a
):
    import json

    from enterprises.selectors import scope_for_user
    from trackers.selectors import poster_stats, salesperson_stats

    # given a poster of A's card, whose QR code two phones scan (the H5 client sends the poster token)
    poster = poster_compose(salesperson=salesperson_a, target=salesperson_a.card, template=template)
    token = poster.share_url.rstrip("/").rsplit("/", 1)[-1]
    for device in ("scanner-0001", "scanner-0002"):
        body = {"token": token, "device": device, "events": [{"id": f"{device}-open", "type": "open"}]}
        assert client.post("/t/", json.dumps(body), content_type="application/json").status_code == 202
    # then the poster counts 2 scans and 2 acquired visitors, and A 2 readers
    scope = scope_for_user(admin_a)
    [stat] = poster_stats(scope=scope)
    assert (stat.poster_id, stat.scans, stat.visitors_acquired) == (poster.pk, 2, 2)
    [mine] = [row for row in salesperson_stats(scope=scope) if row.salesperson_id == salesperson_a.pk]
    assert (mine.opens, mine.viewers) == (2, 2)


def test_a_generated_poster_is_shared_as_kind_poster():
    """``share_token_for`` knows a generated poster (the crawl found ``UnknownKind: generatedposter``)."""
    from trackers.registry import item_kind, kind_models

    assert item_kind(GeneratedPoster()) == "poster"
    assert GeneratedPoster in kind_models("poster")
