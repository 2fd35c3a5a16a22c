"""Demo microsite (SITE-1..4): a themed home and five navigation pages using every block type.

The blocks that point at products, files, forms and articles are added by
``fill_content_blocks`` once those apps have seeded (called from cms.articles.demo).
Idempotent: pages are found by slug, blocks are only added when missing.
"""

from __future__ import annotations

from cms.demo_images import demo_picture

from .models import MicrositeHomePage, MicrositeNavPage, PhonePolicy

NAV = [
    ("首页推荐", "featured", "本季主推：节能水泵、不锈钢阀门和 EC 风机，附真实客户案例。"),
    ("产品中心", "products", "水泵、阀门、风机、控制面板与安装保养服务，一站配齐。"),
    ("资料下载", "downloads", "公司介绍、2026 产品目录和报价单，随时转发给客户。"),
    ("新闻动态", "news", "新品发布、展会回顾和行业资讯。"),
    ("联系我们", "contact", "留下电话，专属顾问 30 分钟内回电。"),
]
SLIDES = [
    ("节能水泵 S1 新品上市", "永磁变频 · 省电 30%"),
    ("为三千家工厂降低能耗", "水厂 · 化工 · 楼宇"),
    ("全国 30 个服务网点", "24 小时上门"),
]


def _url_link(url: str) -> dict:
    return {"link_type": "url", "url": url}


def seed_content(context) -> None:
    enterprise = context.enterprise
    home = MicrositeHomePage.objects.get(pk=enterprise.site.root_page_id)
    banner = [
        demo_picture(
            enterprise, f"Banner {n}", size=(1080, 480), top=colour, text=text, caption=caption, jpeg=True
        )
        for n, (colour, (text, caption)) in enumerate(
            zip([(20, 110, 180), (180, 60, 60), (40, 150, 90)], SLIDES, strict=True), start=1
        )
    ]
    if not home.body:
        home.theme_colour = "#1a73e8"
        home.logo = demo_picture(enterprise, "Logo", size=(200, 200), top=(26, 115, 232), text="华川")
        home.phone_policy = PhonePolicy.ON_CONSULT
        home.share_description = f"{enterprise.name}：节能水泵、阀门与风机，专属顾问在线服务。"
        home.body = [
            {
                "type": "carousel",
                "value": {
                    "slides": [
                        {
                            "image": image.pk,
                            "caption": SLIDES[n - 1][0],
                            "link": _url_link("https://example.com/"),
                        }
                        for n, image in enumerate(banner, start=1)
                    ],
                    "autoplay_seconds": 4,
                },
            },
            {"type": "title_bar", "value": {"title": "关于我们", "subtitle": "十八年只做流体设备"}},
            {
                "type": "rich_text",
                "value": f"<p><b>{enterprise.name}</b>成立于 2008 年，专注工业水泵、阀门与节能风机，"
                "两座智能工厂年产水泵十二万台，服务全国三千多家水厂、化工厂和商业楼宇。</p>"
                "<ul><li>国家高新技术企业，专利 86 项</li><li>一级能效认证产品</li>"
                "<li>整机质保两年，核心部件五年</li></ul>",
            },
            {"type": "divider", "value": {"style": "line", "height": 16}},
            {"type": "image", "value": {"image": banner[0].pk, "caption": "常州二号智能工厂总装车间"}},
            {
                "type": "video",
                "value": {
                    "url": "https://example.com/intro.mp4",
                    "poster": banner[1].pk,
                    "title": "三分钟了解华川",
                },
            },
            {"type": "contact", "value": {"label": "立即咨询", "action": "consult", "style": "floating"}},
        ]
        home.save_revision().publish()
    for title, slug, share in NAV:
        if MicrositeNavPage.objects.child_of(home).filter(slug=slug).exists():
            continue
        page = MicrositeNavPage(
            title=title,
            slug=slug,
            share_description=share,
            icon=demo_picture(enterprise, f"Icon {slug}", size=(96, 96), top=(26, 115, 232), text=title[:2]),
            body=[
                {"type": "title_bar", "value": {"title": title}},
                {"type": "rich_text", "value": f"<p>{share}</p>"},
                {"type": "divider", "value": {"style": "space", "height": 24}},
            ],
        )
        home.add_child(instance=page)
        page.save_revision().publish()


def fill_content_blocks(context, *, articles, category) -> None:
    """Add the product, file, form and article blocks once those apps have demo rows."""
    from cms.files.models import SalesFile
    from cms.leadforms.models import LeadFormPage
    from cms.products.models import Product

    enterprise = context.enterprise
    home = MicrositeHomePage.objects.get(pk=enterprise.site.root_page_id)
    products = list(Product.objects.filter(enterprise=enterprise).order_by("sort_order")[:4])
    files = list(SalesFile.objects.filter(enterprise=enterprise, owner__isnull=True).order_by("pk")[:2])
    form = LeadFormPage.objects.descendant_of(home).order_by("path").first()
    extra = {
        "featured": [
            {
                "type": "articles",
                "value": {
                    "title": "热门文章",
                    "articles": [a.pk for a in articles[:3]],
                    "latest_count": 3,
                    "layout": "cards",
                },
            },
        ],
        "products": [
            {
                "type": "products",
                "value": {"title": "产品", "products": [p.pk for p in products], "layout": "grid"},
            },
        ]
        if products
        else [],
        "downloads": [{"type": "file", "value": {"file": f.pk, "title": f.title}} for f in files],
        "news": [
            {
                "type": "articles",
                "value": {
                    "title": "最新动态",
                    "articles": [],
                    "category": category.pk,
                    "latest_count": 5,
                    "layout": "list",
                },
            },
        ],
        "contact": ([{"type": "form", "value": {"form": form.pk, "title": "预约演示"}}] if form else [])
        + [{"type": "contact", "value": {"label": "电话咨询", "action": "call", "style": "inline"}}],
    }
    home_blocks = [
        {"type": "title_bar", "value": {"title": "热门产品", "subtitle": "工厂直供 · 全国联保"}},
        *extra["products"],
        *extra["featured"],
        *[{"type": "file", "value": {"file": f.pk, "title": f.title}} for f in files[:1]],
        *([{"type": "form", "value": {"form": form.pk, "title": "获取报价"}}] if form else []),
    ]
    have = {block.block_type for block in home.body}
    if not {"products", "articles", "file", "form"} & have:
        body = list(home.body.raw_data)
        contact = [b for b in body if b["type"] == "contact"]
        home.body = [*[b for b in body if b["type"] != "contact"], *home_blocks, *contact]
        home.save_revision().publish()
    for page in MicrositeNavPage.objects.child_of(home):
        blocks = extra.get(page.slug) or []
        have = {block.block_type for block in page.body}
        missing = [b for b in blocks if b["type"] not in have]
        if not missing:
            continue
        page.body = [*page.body.raw_data, *missing]
        page.save_revision().publish()
