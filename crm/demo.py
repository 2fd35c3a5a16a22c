"""Demo CRM data (idempotent): 60 leads across pools, 20 customers with follow-ups, one collision,
three tasks and one marketing task. Rows are keyed by demo phones, so a second run creates nothing.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from trackers.models import TargetKind

from . import services
from .models import Collision, FollowUp, Lead, MarketingTask, Pool, Tag, TagRule, Task

POOLS = [Pool.POTENTIAL, Pool.TO_ASSIGN, Pool.FOLLOWING]
SURNAMES = "刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢"
GIVEN = ["建国", "晓燕", "志强", "丽娟", "海涛", "雪梅", "国栋", "春花", "振华", "秀英", "明辉", "慧敏"]
COMPANIES = [
    "常州第二水厂",
    "苏州新区自来水公司",
    "无锡恒达化工有限公司",
    "上海金桥物业管理有限公司",
    "南通海安食品有限公司",
    "杭州滨江热电有限公司",
    "嘉兴华丰纺织有限公司",
]
FOLLOW_UPS = [
    "已发送产品目录，客户要求报价。",
    "电话沟通：现有水泵用了十年，夏天电费高，想了解变频改造。",
    "上门测量了泵房尺寸，下周出方案。",
    "客户在比价，强调交期和质保，已发案例给他参考。",
    "约了周四带技术顾问去现场。",
]


def _name(n: int) -> str:
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]


def _phone(enterprise_id: int, n: int) -> str:
    return f"139{enterprise_id % 100:02d}{n:06d}"


def seed_content(context) -> None:
    enterprise = context.enterprise
    salespeople = list(context.salespeople)
    if not salespeople:
        return
    vip, _ = Tag.objects.get_or_create(enterprise=enterprise, group="客户等级", name="VIP")
    Tag.objects.get_or_create(enterprise=enterprise, group="行为", name="阅读 3 篇以上", automatic=True)
    now = timezone.now()
    for n in range(60):
        phone = _phone(enterprise.pk, n)
        if Lead.objects.filter(enterprise=enterprise, phone=phone).exists():
            continue
        pool = POOLS[n % 3] if n >= 20 else Pool.FOLLOWING
        lead = Lead.objects.create(
            enterprise=enterprise,
            phone=phone,
            name=_name(n),
            source="demo",
            company=COMPANIES[n % len(COMPANIES)],
            pool=pool,
        )
        if pool == Pool.FOLLOWING:
            services.lead_assign(lead=lead, salesperson=salespeople[n % len(salespeople)])
        if n < 20:  # 20 customers with follow-ups
            services.lead_convert(lead=lead)
            if n % 5 == 0:
                lead.tags.add(vip)
            FollowUp.objects.create(
                enterprise=enterprise,
                lead=lead,
                salesperson=lead.salesperson,
                status=FollowUp.Status.INTERESTED if n % 2 else FollowUp.Status.CONTACTED,
                content=FOLLOW_UPS[n % len(FOLLOW_UPS)],
                next_at=now + dt.timedelta(days=1 + n % 5),
                reminded_at=None,
            )
    if len(salespeople) > 1 and not Collision.objects.filter(enterprise=enterprise).exists():
        clash = _phone(enterprise.pk, 999)
        services.lead_upsert(
            enterprise=enterprise, salesperson=salespeople[0], phone=clash, name="周经理（恒达化工）"
        )
        services.lead_upsert(enterprise=enterprise, salesperson=salespeople[1], phone=clash, name="周先生")
    if not Task.objects.filter(enterprise=enterprise).exists():
        first_customer = Lead.objects.filter(
            enterprise=enterprise, salesperson=salespeople[0], is_customer=True
        ).first()
        services.task_issue(
            enterprise=enterprise,
            title="本周回访：确认报价反馈",
            assignees=salespeople[:1],
            lead=first_customer,
            due_at=now + dt.timedelta(days=3),
        )
        services.task_issue(
            enterprise=enterprise,
            title="把 2026 新价目表发给重点客户",
            assignees=salespeople,
            due_at=now + dt.timedelta(days=5),
        )
        services.task_issue(
            enterprise=enterprise, title="整理本月拜访记录", assignees=salespeople[:1], personal=True
        )
    MarketingTask.objects.get_or_create(
        enterprise=enterprise,
        title="新品季：每人转发名片 3 次",
        defaults={
            "target_kind": TargetKind.CARD,
            "target_id": salespeople[0].pk,
            "starts_at": now,
            "deadline": now + dt.timedelta(days=14),
            "target_shares": 3,
            "target_views": 10,
            "target_new_leads": 1,
        },
    )

    _link_demo_visitors(enterprise, salespeople)
    hot, _ = Tag.objects.get_or_create(enterprise=enterprise, group="行为", name="高意向", automatic=True)
    TagRule.objects.get_or_create(
        enterprise=enterprise, tag=hot, kind=TagRule.Kind.INTENT, defaults={"threshold": 5}
    )
    services.tag_rules_apply(enterprise_id=enterprise.pk)


def _link_demo_visitors(enterprise, salespeople) -> None:
    """Give one following lead per salesperson the demo visitor their card reached (timeline on the
    lead page). Visitors come from trackers' demo (seeded before the CRM); already linked ones are kept."""
    from trackers.models import Visitor

    for salesperson in salespeople:
        visitor = Visitor.objects.filter(
            enterprise=enterprise, device_id=f"demo-{enterprise.pk}-{salesperson.pk}-0"
        ).first()
        if visitor is None or Lead.objects.filter(visitor=visitor).exists():
            continue
        lead = (
            Lead.objects.filter(
                enterprise=enterprise, salesperson=salesperson, visitor__isnull=True, source="demo"
            )
            .order_by("pk")
            .first()
        )
        if lead is not None:
            lead.visitor = visitor
            lead.save(update_fields=["visitor", "updated_at"])
