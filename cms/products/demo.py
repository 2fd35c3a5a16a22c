"""Demo products (PROD-1): six per enterprise."""

from decimal import Decimal

from cms.demo_images import demo_picture

from .models import Product

PRODUCTS = [
    ("智能水泵 S1", "1999.00", "永磁变频，省电 30%，噪声低于 45 分贝，适合楼宇供水。", (20, 110, 180)),
    ("工业阀门 V8", "860.00", "304 不锈钢阀体，PN16–PN40，可配电动执行器，化工水处理通用。", (120, 60, 160)),
    ("节能风机 F3", "3200.00", "EC 电机，风量 1000–60000 m³/h，比同级风机省电 30%。", (30, 140, 90)),
    ("控制面板 C2", "560.00", "7 英寸触摸屏，远程监控与故障报警，报警直接推送到企业微信。", (200, 90, 30)),
    ("安装服务", None, "持证工程师上门安装调试，地级市 24 小时内到场，价格按现场报价。", (90, 90, 90)),
    ("年度保养套餐", "1200.00", "每年两次上门保养，含易损件更换和能效检测报告。", (180, 40, 70)),
]


def seed_content(context) -> None:
    enterprise = context.enterprise
    for order, (name, price, description, colour) in enumerate(PRODUCTS):
        if Product.objects.filter(enterprise=enterprise, name=name).exists():
            continue
        Product.objects.create(
            enterprise=enterprise,
            name=name,
            price=Decimal(price) if price else None,
            description=description,
            sort_order=order,
            cover=demo_picture(
                enterprise,
                f"Product {name}",
                size=(600, 600),
                top=colour,
                text=name,
                caption=f"¥{price} 起" if price else "按需报价",
                jpeg=True,
            ),
            mall_url=f"https://mall.example.com/goods/{order + 1}",
            miniprogram_path=f"pages/goods/detail?id={order + 1}",
        )
