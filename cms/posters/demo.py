"""Demo poster templates (POST-1): one platform, two enterprise, one personal; one poster generated."""

from cms.demo_images import demo_picture

from .models import PosterTemplate
from .services import poster_compose

TEMPLATES = [
    # (name, theme, library, colours, caption)
    ("新春快乐", "festival", "platform", ((190, 20, 30), (90, 0, 10)), "新春快乐 万事如意"),
    ("新品上市", "product", "enterprise", ((20, 90, 170), (5, 25, 60)), "扫码了解新品"),
    ("早安问候", "greeting", "enterprise", ((250, 180, 80), (200, 90, 40)), "早安，今天也要加油"),
    ("我的名片海报", "other", "mine", ((40, 120, 90), (10, 40, 30)), "扫码加我微信"),
]


def seed_content(context) -> None:
    enterprise = context.enterprise
    me = context.salespeople[0] if context.salespeople else None
    for name, theme, library, (top, bottom), caption in TEMPLATES:
        if library == "mine" and me is None:
            continue
        lookup = {"name": name, "enterprise": None if library == "platform" else enterprise}
        if PosterTemplate.objects.filter(**lookup).exists():
            continue
        background = demo_picture(enterprise, f"Poster {name}", size=(750, 1334), top=top, bottom=bottom)
        PosterTemplate.objects.create(
            **lookup,
            owner=me if library == "mine" else None,
            theme=theme,
            background=background,
            caption=caption,
            caption_x=60,
            caption_y=200,
            caption_size=56,
            caption_colour="#ffffff",
            qr_x=490,
            qr_y=1070,
            qr_size=220,
            avatar_x=60,
            avatar_y=1090,
            avatar_size=140,
            name_x=220,
            name_y=1120,
            name_size=44,
            name_colour="#ffffff",
        )
    if me is not None and hasattr(me, "card"):
        template = PosterTemplate.objects.filter(enterprise=enterprise, owner__isnull=True).first()
        if template is not None:
            poster_compose(salesperson=me, target=me.card, template=template)
