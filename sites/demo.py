"""Demo microsite (SITE-1..4): a themed home and five navigation pages using every block type.

The blocks that point at products, files, forms and articles are added by
``fill_content_blocks`` once those apps have seeded (called from cms.articles.demo).
Idempotent: pages are found by slug, blocks are only added when missing.
"""

from __future__ import annotations

from cms.demo_images import demo_picture

from .models import MicrositeHomePage, MicrositeNavPage, PhonePolicy

NAV = [
    ("首页推荐", "featured", "Our best picks this season."),
    ("产品中心", "products", "Everything we make."),
    ("资料下载", "downloads", "Brochures and price lists."),
    ("新闻动态", "news", "What's new at the company."),
    ("联系我们", "contact", "Talk to a consultant."),
]


def _url_link(url: str) -> dict:
    return {"link_type": "url", "url": url}


def seed_content(context) -> None:
    enterprise = context.enterprise
    home = MicrositeHomePage.objects.get(pk=enterprise.site.root_page_id)
    banner = [
        demo_picture(enterprise, f"Banner {n}", size=(1080, 480), top=colour, text=f"{enterprise.name} {n}")
        for n, colour in enumerate([(20, 110, 180), (180, 60, 60), (40, 150, 90)], start=1)
    ]
    if not home.body:
        home.theme_colour = "#1a73e8"
        home.logo = demo_picture(enterprise, "Logo", size=(200, 200), top=(26, 115, 232), text="LOGO")
        home.phone_policy = PhonePolicy.ON_CONSULT
        home.share_description = f"{enterprise.name}: products, news and consultants."
        home.body = [
            {
                "type": "carousel",
                "value": {
                    "slides": [
                        {
                            "image": image.pk,
                            "caption": f"Slide {n}",
                            "link": _url_link("https://example.com/"),
                        }
                        for n, image in enumerate(banner, start=1)
                    ],
                    "autoplay_seconds": 4,
                },
            },
            {"type": "title_bar", "value": {"title": "关于我们", "subtitle": "About us"}},
            {"type": "rich_text", "value": f"<p><b>{enterprise.name}</b> makes pumps, valves and fans.</p>"},
            {"type": "divider", "value": {"style": "line", "height": 16}},
            {"type": "image", "value": {"image": banner[0].pk, "caption": "Our factory"}},
            {
                "type": "video",
                "value": {
                    "url": "https://example.com/intro.mp4",
                    "poster": banner[1].pk,
                    "title": "Company intro",
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
            icon=demo_picture(
                enterprise, f"Icon {slug}", size=(96, 96), top=(60, 60, 60), text=slug[:2].upper()
            ),
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
    files = list(SalesFile.objects.filter(enterprise=enterprise)[:2])
    form = LeadFormPage.objects.descendant_of(home).first()
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
    for page in MicrositeNavPage.objects.child_of(home):
        blocks = extra.get(page.slug) or []
        have = {block.block_type for block in page.body}
        missing = [b for b in blocks if b["type"] not in have]
        if not missing:
            continue
        page.body = [*page.body.raw_data, *missing]
        page.save_revision().publish()
