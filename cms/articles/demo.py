"""Demo articles (ART-1..8): 3 categories, 12 articles across the three libraries, settings.

Per enterprise: 4 platform hot articles (shared, created once), 6 enterprise articles
(one copied from the hot library) and 1 own article for each of the first two salespeople.
Idempotent: articles are found by slug, settings by enterprise.
"""

from __future__ import annotations

from cms.demo_images import demo_picture

from .models import ArticleCategory, ArticlePage, ArticleTag
from .services import (
    article_copy_hot,
    article_create,
    article_library_index,
    article_settings_update,
    salesperson_article_settings_update,
)

CATEGORIES = ["行业资讯", "产品知识", "客户案例"]
HOT = [
    ("2026 制造业趋势", "hot-trends"),
    ("如何降低工厂能耗", "hot-energy"),
    ("数字化转型五步法", "hot-digital"),
    ("采购经理最关心的三件事", "hot-buyers"),
]
OURS = [
    ("新品发布：智能水泵 S1", "launch-s1", 1),
    ("阀门选型指南", "valve-guide", 1),
    ("某水厂节能改造案例", "case-waterworks", 2),
    ("风机维护十问", "fan-faq", 1),
    ("行业展会回顾", "expo-review", 0),
]


def _body(title: str, image) -> list[dict]:
    return [
        {"type": "rich_text", "value": f"<p><b>{title}</b>：这是一篇演示文章。This is a demo article.</p>"},
        {"type": "image", "value": {"image": image.pk, "caption": title}},
        {"type": "rich_text", "value": "<h3>要点</h3><ul><li>省电</li><li>耐用</li><li>好维护</li></ul>"},
        {"type": "contact", "value": {"label": "咨询顾问", "action": "consult", "style": "inline"}},
    ]


def _hot_articles(context) -> list[ArticlePage]:
    index = article_library_index(enterprise=None)
    found = []
    for title, slug in HOT:
        article = ArticlePage.objects.child_of(index).filter(slug=slug).first()
        if article is None:
            cover = demo_picture(
                context.enterprise, f"Hot {slug}", size=(900, 500), top=(150, 40, 40), text=title
            )
            article = article_create(
                enterprise=None,
                title=title,
                summary=title,
                author="Platform editors",
                cover=cover,
                body=_body(title, cover),
                publish=True,
                slug=slug,
            )
        found.append(ArticlePage.objects.get(pk=article.pk))
    return found


def seed_content(context) -> None:
    enterprise = context.enterprise
    categories = [
        ArticleCategory.objects.get_or_create(enterprise=enterprise, name=name, defaults={"sort_order": n})[0]
        for n, name in enumerate(CATEGORIES)
    ]
    tags = [
        ArticleTag.objects.get_or_create(enterprise=enterprise, name=name)[0] for name in ("节能", "采购意向")
    ]
    hot = _hot_articles(context)
    index = article_library_index(enterprise=enterprise)
    ours = []
    for title, slug, category in OURS:
        article = ArticlePage.objects.child_of(index).filter(slug=slug).first()
        if article is None:
            cover = demo_picture(
                enterprise, f"Article {slug}", size=(900, 500), top=(20, 110, 180), text=title
            )
            article = article_create(
                enterprise=enterprise,
                title=title,
                summary=f"{title} — demo",
                author=enterprise.name,
                cover=cover,
                body=_body(title, cover),
                publish=True,
                user=context.admin,
                slug=slug,
            )
            article.categories.set([categories[category]])
            article.tags.set(tags[:1] if category == 1 else tags)
            article.save()
        ours.append(article)
    if not ArticlePage.objects.filter(enterprise=enterprise, copied_from=hot[0]).exists():
        copy = article_copy_hot(article=hot[0], enterprise=enterprise, user=context.admin)
        copy.save_revision(user=context.admin).publish()
    for salesperson in context.salespeople[:2]:
        slug = f"mine-{salesperson.pk}"
        if not ArticlePage.objects.child_of(index).filter(slug=slug).exists():
            cover = demo_picture(
                enterprise,
                f"Mine {salesperson.pk}",
                size=(900, 500),
                top=(40, 150, 90),
                text=salesperson.display_name,
            )
            article = article_create(
                enterprise=enterprise,
                title=f"{salesperson.display_name} 的客户故事",
                summary="A story",
                author=salesperson.display_name,
                cover=cover,
                body=_body("客户故事", cover),
                owner_salesperson=salesperson,
                publish=True,
                slug=slug,
            )
    live = [a for a in ours if a.live]
    article_settings_update(enterprise=enterprise, recommended=live[:3], contact_position="bottom")
    if context.salespeople:
        salesperson_article_settings_update(salesperson=context.salespeople[0], contact_position="floating")
    from sites.demo import fill_content_blocks

    fill_content_blocks(context, articles=live, category=categories[0])
