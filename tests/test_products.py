"""Products (PROD-1, PROD-2): fields, validation, shelf, scoped admin with enterprise-only choices."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cms.products.models import Product, ProductImage
from cms.products.selectors import product_buy_link, products_on_shelf
from tests.factories import make_image

URL = "/admin/snippets/products/product/"


def test_product_fields_and_shelf(enterprise_a, enterprise_b):
    pump = Product.objects.create(
        enterprise=enterprise_a,
        name="Pump",
        price=Decimal("1999.00"),
        description="<b>Strong</b>",
        mall_url="https://mall.example.com/p/1",
        miniprogram_path="pages/goods/detail?id=1",
    )
    ProductImage.objects.create(product=pump, image=make_image(enterprise_a, "side"), sort_order=0)
    Product.objects.create(enterprise=enterprise_a, name="Old", is_active=False)
    Product.objects.create(enterprise=enterprise_b, name="Beta pump")
    assert list(products_on_shelf(enterprise=enterprise_a)) == [pump]
    assert product_buy_link(pump)["miniprogram_path"] == "pages/goods/detail?id=1"
    assert pump.images.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("price", Decimal("-1")), ("miniprogram_path", "https://evil.example.com"), ("mall_url", "not a url")],
)
def test_bad_values_are_field_errors(enterprise_a, field, value):
    product = Product(enterprise=enterprise_a, name="X", **{field: value})
    with pytest.raises(ValidationError) as excinfo:
        product.full_clean()
    assert field in excinfo.value.message_dict


def test_cover_from_another_enterprise_is_refused(enterprise_a, enterprise_b):
    product = Product(enterprise=enterprise_a, name="X", cover=make_image(enterprise_b, "theirs"))
    with pytest.raises(ValidationError) as excinfo:
        product.full_clean()
    assert "cover" in excinfo.value.message_dict


def _payload(**changes):
    data = {
        "name": "Valve",
        "price": "12.50",
        "is_active": "on",
        "sort_order": "0",
        "description": "",
        "mall_url": "",
        "miniprogram_path": "",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_admin_creates_product_in_own_enterprise(login, admin_a, enterprise_a):
    response = login(admin_a).post(f"{URL}add/", _payload())
    assert response.status_code == 302
    assert Product.objects.get(name="Valve").enterprise == enterprise_a


def test_admin_tenancy_and_salesperson_read_only(
    login, enterprise_a, enterprise_b, admin_a, admin_b, salesperson_a
):
    alpha = Product.objects.create(enterprise=enterprise_a, name="Alpha pump")
    beta = Product.objects.create(enterprise=enterprise_b, name="Beta pump")
    client = login(admin_a)
    listing = client.get(URL).content.decode()
    assert "Alpha pump" in listing and "Beta pump" not in listing
    assert client.get(f"{URL}edit/{beta.pk}/").status_code == 404
    assert client.post(f"{URL}edit/{beta.pk}/", _payload(name="hacked")).status_code == 404
    beta.refresh_from_db()
    assert beta.name == "Beta pump"
    assert "Alpha pump" not in login(admin_b).get(URL).content.decode()
    sales = login(salesperson_a.user)
    assert "Alpha pump" in sales.get(URL).content.decode()
    sales.post(f"{URL}edit/{alpha.pk}/", _payload(name="renamed by sales"))
    alpha.refresh_from_db()
    assert alpha.name == "Alpha pump"
    chooser = sales.get("/admin/snippets/choose/products/product/").content.decode()
    assert "Alpha pump" in chooser and "Beta pump" not in chooser


def test_admin_refuses_another_enterprises_image_posted_by_id(login, admin_a, enterprise_b):
    foreign = make_image(enterprise_b, "beta-photo")
    response = login(admin_a).post(f"{URL}add/", _payload(name="Sneaky", cover=foreign.pk))
    assert response.status_code == 200
    assert not Product.objects.filter(name="Sneaky").exists()


def test_price_reads_in_yuan_in_the_admin_listing(login, admin_a, enterprise_a):
    Product.objects.create(enterprise=enterprise_a, name="Pump", price=Decimal("1280"))
    Product.objects.create(enterprise=enterprise_a, name="Custom valve")  # price on request

    listing = login(admin_a).get(URL).content.decode()

    assert "¥1,280.00" in listing and "1280.00" not in listing.replace("¥1,280.00", "")
    assert Product(price=Decimal("0.5")).price_display == "¥0.50"
    assert Product(price=None).price_display is None
