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


#: Believable article text per slug: (summary, [(heading, paragraph), ...]).
TEXTS = {
    "hot-trends": (
        "智能化、绿色化和服务化，是 2026 年制造业最确定的三条主线。",
        [
            (
                "智能化：从单机到产线",
                "越来越多的工厂把设备联网作为第一步：先看见能耗和故障，再谈优化。"
                "调研显示，联网设备的非计划停机平均减少了 27%。",
            ),
            (
                "绿色化：能耗就是成本",
                "电价上涨和碳排放核算让“省电”从口号变成了采购指标，一级能效产品的中标率明显提高。",
            ),
            ("服务化：卖产品也卖运维", "按年付费的保养与远程监控服务，正在成为设备厂商新的利润来源。"),
        ],
    ),
    "hot-energy": (
        "水泵和风机占工厂用电的四成以上，节能改造往往一年就能回本。",
        [
            ("先测再改", "用一周时间记录每台设备的运行时间和电流，找出“大马拉小车”的设备。"),
            ("变频是最快的收益", "流量需求波动大的场景加装变频器，通常节电 20%–40%。"),
            ("别忘了管路", "阀门长期半开、管路弯头过多，都会让水泵白白多耗电。"),
        ],
    ),
    "hot-digital": (
        "数字化转型不必一步到位，五个小步骤就能看到效果。",
        [
            ("第一步：设备台账上线", "把纸质台账搬到系统里，设备型号、安装日期、保养记录一目了然。"),
            ("第二步：关键设备联网", "先联网最贵、最容易停机的设备，报警直接推送到企业微信。"),
            ("第三步到第五步", "能耗看板、预测性维护、备件库存联动，逐步把数据变成决策。"),
        ],
    ),
    "hot-buyers": (
        "交期、质保和总拥有成本，是采购经理反复追问的三件事。",
        [
            ("交期", "标准型号现货发货，非标定制 15 个工作日，是大多数项目能接受的底线。"),
            ("质保", "整机两年、核心部件五年的质保，比单纯降价更能打动采购。"),
            ("总拥有成本", "把五年的电费和保养费算进去，高能效设备往往更便宜。"),
        ],
    ),
    "launch-s1": (
        "华川智能水泵 S1 正式发布：永磁变频，省电 30%，噪声低于 45 分贝。",
        [
            ("为楼宇供水而生", "S1 采用永磁同步电机与矢量变频控制，恒压供水波动小于 0.01 MPa。"),
            ("装得下，也修得快", "一体化设计，占地比传统泵组小 40%；模块化电控，常见故障 30 分钟内更换。"),
            ("首发优惠", "即日起至 6 月 30 日，订购 S1 赠送一年保养套餐。"),
        ],
    ),
    "valve-guide": (
        "选错阀门，轻则漏水，重则停产。四个问题帮你选对。",
        [
            ("介质是什么", "清水、污水、酸碱和蒸汽，对阀体材质和密封的要求完全不同。"),
            ("压力和温度", "按最高工作压力选公称压力，并留出 25% 的余量。"),
            ("怎么操作", "频繁启闭选电动或气动执行器，偶尔操作选手动即可。"),
        ],
    ),
    "case-waterworks": (
        "某市第二水厂更换 12 台 S1 水泵后，年节电 86 万度。",
        [
            ("改造前", "水厂原有水泵运行十五年，效率下降明显，夜间低峰时段仍满负荷运行。"),
            ("改造方案", "分两期更换为 S1 变频水泵，加装 C2 控制面板，实现按需供水与远程监控。"),
            ("改造效果", "年节电 86 万度，折合电费约 60 万元，投资回收期 14 个月。"),
        ],
    ),
    "fan-faq": (
        "风机用了几年就变吵、变费电？十个常见问题一次讲清。",
        [
            ("为什么噪声变大", "多数是轴承磨损或叶轮积灰导致动平衡破坏，清灰和更换轴承即可解决。"),
            ("多久保养一次", "连续运行的风机建议每半年保养一次，粉尘大的车间每季度一次。"),
            ("什么时候该换", "维修费超过新机价格的一半，或能效低于现行标准时，建议整机更换。"),
        ],
    ),
    "expo-review": (
        "华川亮相 2026 上海国际泵阀展，三天接待客户两千余人次。",
        [
            ("新品首秀", "S1 水泵与 F3 风机现场演示节能对比，吸引大量水务和楼宇客户驻足。"),
            ("现场签约", "展会期间与六家客户签订合作协议，意向订单金额超过两千万元。"),
            ("下一站", "9 月我们将参加广州环保展，欢迎预约现场交流。"),
        ],
    ),
}
DEFAULT_TEXT = (
    "一线销售的真实客户故事。",
    [
        ("客户是谁", "一家做食品加工的老客户，车间里有二十多台水泵和风机。"),
        ("遇到了什么问题", "夏天用电高峰，电费一个月比一个月高，老板很着急。"),
        ("我们怎么做的", "先上门测了一周能耗，再给出分批改造方案，第一批三个月就见到了效果。"),
    ],
)


def _body(title: str, image, slug: str = "") -> list[dict]:
    summary, sections = TEXTS.get(slug, DEFAULT_TEXT)
    body = [
        {"type": "rich_text", "value": f"<p><b>{summary}</b></p>"},
        {"type": "image", "value": {"image": image.pk, "caption": title}},
    ]
    for heading, paragraph in sections:
        body.append({"type": "rich_text", "value": f"<h3>{heading}</h3><p>{paragraph}</p>"})
    body.append({"type": "contact", "value": {"label": "咨询顾问", "action": "consult", "style": "inline"}})
    return body


def _summary(slug: str) -> str:
    return TEXTS.get(slug, DEFAULT_TEXT)[0]


def _hot_articles(context) -> list[ArticlePage]:
    index = article_library_index(enterprise=None)
    found = []
    for title, slug in HOT:
        article = ArticlePage.objects.child_of(index).filter(slug=slug).first()
        if article is None:
            cover = demo_picture(
                context.enterprise,
                f"Hot {slug}",
                size=(900, 500),
                top=(150, 40, 40),
                text=title,
                caption="平台热文",
                jpeg=True,
            )
            article = article_create(
                enterprise=None,
                title=title,
                summary=_summary(slug),
                author="平台编辑部",
                cover=cover,
                body=_body(title, cover, slug),
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
                enterprise,
                f"Article {slug}",
                size=(900, 500),
                top=(20, 110, 180),
                text=title,
                caption=enterprise.name,
                jpeg=True,
            )
            article = article_create(
                enterprise=enterprise,
                title=title,
                summary=_summary(slug),
                author=enterprise.name,
                cover=cover,
                body=_body(title, cover, slug),
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
                text=f"{salesperson.display_name} 的客户故事",
                jpeg=True,
            )
            article = article_create(
                enterprise=enterprise,
                title=f"{salesperson.display_name} 的客户故事",
                summary=_summary(slug),
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
