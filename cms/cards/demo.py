"""Demo cards (CARD-1..4): the template and a filled card for every salesperson."""

from cms.demo_images import demo_picture
from cms.products.models import Product

from .models import Card, CardTag
from .services import card_create_for_salesperson, card_template_get_or_create

TITLES = ["销售经理", "客户经理", "技术顾问", "区域总监"]


def seed_content(context) -> None:
    enterprise = context.enterprise
    template = card_template_get_or_create(enterprise=enterprise)
    if not template.enterprise_intro:
        template.enterprise_intro = (
            f"{enterprise.name}创立于2008年，专注工业水泵、阀门与节能风机，"
            "服务全国三千多家水厂、化工与楼宇客户。"
        )
        template.default_intro = "您好，很高兴为您服务。"
        template.default_tags = "专业,靠谱,响应快"
        template.save()
    products = list(Product.objects.filter(enterprise=enterprise).order_by("sort_order")[:3])
    for number, salesperson in enumerate(context.salespeople):
        card = card_create_for_salesperson(salesperson)
        if card.title:
            continue  # already filled by an earlier run
        card.title = TITLES[number % len(TITLES)]
        card.email = card.email or salesperson.user.email or f"{salesperson.user.username}@example.com"
        card.address = "上海市浦东新区世纪大道 100 号 华川大厦 18 楼"
        card.photo = salesperson.avatar or demo_picture(
            enterprise,
            f"Avatar {salesperson.pk}",
            size=(300, 300),
            top=(200, 140, 90),
            text=salesperson.display_name[-2:],
        )
        card.products.set(products)
        card.save()
        if not card.tags.exists():
            for order, name in enumerate(["专业", "靠谱", "响应快"]):
                CardTag.objects.create(card=card, name=name, sort_order=order)
        if salesperson.avatar_id is None:
            salesperson.avatar = card.photo
            salesperson.save(update_fields=["avatar"])
    assert Card.objects.filter(enterprise=enterprise).count() >= len(context.salespeople)
