"""Demo products (PROD-1): six per enterprise."""

from decimal import Decimal

from cms.demo_images import demo_picture

from .models import Product

PRODUCTS = [
    ("智能水泵 S1", "1999.00", "Quiet pump for homes.", (20, 110, 180)),
    ("工业阀门 V8", "860.00", "Stainless steel valve.", (120, 60, 160)),
    ("节能风机 F3", "3200.00", "Fan with 30% less power.", (30, 140, 90)),
    ("控制面板 C2", "560.00", "Touch control panel.", (200, 90, 30)),
    ("安装服务", None, "Installation by certified engineers.", (90, 90, 90)),
    ("年度保养套餐", "1200.00", "Yearly maintenance plan.", (180, 40, 70)),
]


def seed_content(context) -> None:
    enterprise = context.enterprise
    for order, (name, price, description, colour) in enumerate(PRODUCTS):
        if Product.objects.filter(enterprise=enterprise, name=name).exists():
            continue
        Product.objects.create(
            enterprise=enterprise, name=name, price=Decimal(price) if price else None,
            description=description, sort_order=order,
            cover=demo_picture(enterprise, f"Product {name}", size=(600, 600), top=colour, text=name),
            mall_url=f"https://mall.example.com/goods/{order + 1}",
            miniprogram_path=f"pages/goods/detail?id={order + 1}",
        )
