"""Demo lead forms (FORM-1): a quote request and an event sign-up."""

from .models import LeadFormPage
from .services import leadform_create

FORMS = [
    (
        "获取报价",
        "get-a-quote",
        [
            {"label": "姓名", "field_type": "singleline", "required": True},
            {"label": "手机", "field_type": "phone", "required": True, "help_text": "11 位手机号"},
            {"label": "邮箱", "field_type": "email", "required": False},
            {"label": "采购数量", "field_type": "number", "required": False},
            {
                "label": "感兴趣的产品",
                "field_type": "checkboxes",
                "required": False,
                "choices": "水泵\n阀门\n风机",
            },
            {"label": "备注", "field_type": "multiline", "required": False},
        ],
    ),
    (
        "展会报名",
        "event-sign-up",
        [
            {"label": "姓名", "field_type": "singleline", "required": True},
            {"label": "手机", "field_type": "phone", "required": True},
            {"label": "参会日期", "field_type": "date", "required": True},
            {"label": "参会方式", "field_type": "radio", "required": True, "choices": "现场\n线上"},
        ],
    ),
]


def seed_content(context) -> None:
    enterprise = context.enterprise
    root = enterprise.root_page
    for title, slug, fields in FORMS:
        if LeadFormPage.objects.child_of(root).filter(slug=slug).exists():
            continue
        leadform_create(
            enterprise=enterprise,
            title=title,
            slug=slug,
            fields=fields,
            description="<p>留下联系方式，我们会尽快联系您。</p>",
        )
