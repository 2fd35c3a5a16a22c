"""Demo scripts: two groups in the enterprise library and one personal script per salesperson."""

from .models import SalesScript, ScriptGroup

LIBRARY = {
    "Opening lines": [
        ("Greeting", "您好，我是您的专属顾问，有任何问题随时问我。"),
        ("Follow-up", "Hello again! Did you have a chance to read the article I shared?"),
    ],
    "Pricing": [("Volume discount", "Orders of 100 units or more get 8% off; ask me for a quote.")],
}


def seed_content(context) -> None:
    enterprise = context.enterprise
    for order, (group_name, scripts) in enumerate(LIBRARY.items()):
        group, _ = ScriptGroup.objects.get_or_create(
            enterprise=enterprise, name=group_name, defaults={"sort_order": order}
        )
        for title, text in scripts:
            SalesScript.objects.get_or_create(
                enterprise=enterprise, owner=None, title=title, defaults={"text": text, "group": group}
            )
    for salesperson in context.salespeople:
        SalesScript.objects.get_or_create(
            enterprise=enterprise,
            owner=salesperson,
            title="My signature",
            defaults={"text": f"{salesperson.display_name} · {salesperson.phone}"},
        )
