"""Demo mall: an H5 mall switched on, its feed imported, one attributed paid order."""

import time

from django.db import transaction

from trackers.share import share_token_for

from .models import MallConnection, MallOrder
from .services import feed_import, mall_event_record

FEED = [
    {
        "id": "mall-tea-1",
        "name": "Longjing gift box",
        "price": "388.00",
        "h5_path": "/goods/1",
        "miniprogram_path": "pages/goods/index?id=1",
    },
    {"id": "mall-tea-2", "name": "Pu'er cake 357g", "price": "168.00", "h5_path": "/goods/2"},
]


def seed_content(context) -> None:
    enterprise = context.enterprise
    connection, _ = MallConnection.objects.get_or_create(
        enterprise=enterprise,
        defaults={"name": "Demo mall", "h5_enabled": True, "h5_base_url": "https://mall.demo.example/"},
    )
    feed_import(connection=connection, rows=FEED)
    if context.salespeople and not MallOrder.objects.filter(enterprise=enterprise).exists():
        token = share_token_for(enterprise.site.root_page, context.salespeople[0])
        with transaction.atomic():
            mall_event_record(
                connection=connection,
                payload={
                    "event": "order.paid",
                    "order": {
                        "id": "demo-order-1",
                        "amount": "388.00",
                        "share_token": token,
                        "paid_at": int(time.time()),
                        "lines": [
                            {
                                "product_id": "mall-tea-1",
                                "name": "Longjing gift box",
                                "quantity": 1,
                                "amount": "388.00",
                            }
                        ],
                    },
                },
            )
