"""Demo files (FILE-1): three in the enterprise library, two personal, all through the checked service."""

from django.core.files.uploadedfile import SimpleUploadedFile

from cms.demo_images import demo_picture

from .models import SalesFile
from .services import salesfile_create

#: No video encoder is available to the seeder: a header-only MP4 passes the type check but does
#: not play. Everything else is a real file (multi-page PDFs with Chinese text, a JPEG photo).
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64

PROFILE = [
    (
        "关于华川",
        [
            "华川流体设备有限公司成立于2008年，总部位于上海，工厂位于江苏常州，"
            "专注工业水泵、阀门与节能风机的研发、制造和服务。",
            "我们服务全国三千多家水厂、化工厂、食品厂和商业楼宇，产品出口东南亚与中东十二个国家。",
        ],
    ),
    (
        "研发与制造",
        [
            "两座智能工厂，年产水泵十二万台、阀门三十万只；省级工程技术研究中心，专利八十六项。",
            "每台水泵出厂前经过四小时满负荷试车和振动、噪声、能效三项检测。",
        ],
    ),
    (
        "资质与荣誉",
        [
            "国家高新技术企业；ISO 9001、ISO 14001 体系认证；水泵产品获一级能效认证。",
            "2025年度“长三角节能示范企业”。",
        ],
    ),
    (
        "服务承诺",
        [
            "全国三十个服务网点，地级市 24 小时内上门；整机质保两年，核心部件质保五年。",
            "客服热线 400-820-0000（工作日 8:30–18:00）。",
        ],
    ),
]
CATALOGUE = [
    (
        "智能水泵 S1 系列",
        [
            "流量 2–50 m³/h，扬程 10–80 m；永磁变频电机，比传统水泵省电 30%。",
            "适用：楼宇二次供水、小区加压、工业循环水。参考价 1999 元起。",
        ],
    ),
    (
        "工业阀门 V8 系列",
        [
            "304/316 不锈钢阀体，公称压力 PN16–PN40，口径 DN15–DN300。",
            "蝶阀、闸阀、截止阀、止回阀四种结构，可配电动或气动执行器。",
        ],
    ),
    (
        "节能风机 F3 系列",
        [
            "风量 1000–60000 m³/h；EC 电机，噪声低于 65 dB(A)。",
            "适用：厂房通风、净化车间、地下车库排烟。参考价 3200 元起。",
        ],
    ),
    (
        "控制面板与服务",
        [
            "C2 触摸控制面板：远程监控、故障报警、能耗报表，支持企业微信推送。",
            "安装服务与年度保养套餐：持证工程师上门，保养报告当天出具。",
        ],
    ),
]
QUOTE = [
    (
        "报价单（示例）",
        [
            "客户：某市第二水厂　　联系人：王敏　13800000001",
            "智能水泵 S1-25 × 4 台，单价 3,680 元，小计 14,720 元。",
            "工业阀门 V8-DN100 × 12 只，单价 860 元，小计 10,320 元。",
            "安装调试：免费；质保两年。合计：25,040 元（含税）。报价有效期 30 天。",
        ],
    ),
]


def _pdf(name: str, title: str, subtitle: str, sections, colour=(26, 115, 232)):
    from cms.demo_images import demo_pdf

    data = demo_pdf(title, subtitle, sections, colour=colour)
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def _photo(enterprise, title):
    image = demo_picture(
        enterprise,
        f"File {title}",
        size=(1200, 800),
        top=(70, 90, 110),
        bottom=(20, 30, 40),
        text=title,
        caption="江苏常州 · 二号智能工厂",
        jpeg=True,
    )
    image.file.open("rb")
    try:
        return SimpleUploadedFile(f"{title}.jpg", image.file.read(), content_type="image/jpeg")
    finally:
        image.file.close()


def seed_content(context) -> None:
    enterprise = context.enterprise
    owner = context.salespeople[0] if context.salespeople else None
    name = enterprise.name
    files = [
        ("公司介绍", "document", None, lambda: _pdf("公司介绍.pdf", "公司介绍", f"{name} · 2026", PROFILE)),
        (
            "产品目录 2026",
            "document",
            None,
            lambda: _pdf("产品目录2026.pdf", "产品目录 2026", "水泵 · 阀门 · 风机", CATALOGUE, (30, 140, 90)),
        ),
        ("工厂照片", "image", None, lambda: _photo(enterprise, "工厂照片")),
        (
            "我的报价单",
            "document",
            owner,
            lambda: _pdf("报价单.pdf", "报价单", "有效期 30 天", QUOTE, (200, 90, 30)),
        ),
        ("安装视频", "video", owner, lambda: SimpleUploadedFile("install.mp4", MP4)),
    ]
    for title, kind, file_owner, upload in files:
        if SalesFile.objects.filter(enterprise=enterprise, title=title).exists():
            continue
        salesfile_create(
            enterprise=enterprise,
            title=title,
            kind=kind,
            owner=file_owner,
            upload=upload(),
            description=DESCRIPTIONS.get(title, ""),
        )


DESCRIPTIONS = {
    "公司介绍": "五页 PDF：公司概况、研发制造、资质荣誉和服务承诺。",
    "产品目录 2026": "水泵、阀门、风机和控制面板的型号、参数与参考价。",
    "工厂照片": "常州二号智能工厂总装车间。",
    "我的报价单": "给水厂客户的报价示例，可改成自己的。",
    "安装视频": "S1 水泵安装步骤演示。",
}
