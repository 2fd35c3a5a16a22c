"""Official-account custom menu (WX-4): validate against WeChat's limits, then push through the adapter."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from wechat.adapter import official_account_client

MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
# WeChat counts bytes: top-level names ≤ 16 bytes, sub-button names ≤ 60 bytes (UTF-8).
MAX_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60


MAX_URL_BYTES = 1024


def _check_leaf(button: dict, where: str, errors: dict) -> None:
    kind = button.get("type")
    if kind == "view":
        url = str(button.get("url") or "")
        if not url.startswith(("http://", "https://")):
            errors[f"{where}.url"] = gettext("A view button needs an http(s) URL.")
        elif len(url.encode()) > MAX_URL_BYTES:
            errors[f"{where}.url"] = gettext("URL is longer than %(count)s bytes.") % {"count": MAX_URL_BYTES}
    elif kind == "miniprogram":
        for key in ("appid", "pagepath", "url"):
            if not button.get(key) or not isinstance(button.get(key), str):
                errors[f"{where}.{key}"] = gettext("A mini-program button needs %(field)s.") % {"field": key}
        url = str(button.get("url") or "")
        if url and not url.startswith(("http://", "https://")):
            errors[f"{where}.url"] = gettext("The fallback URL must be http(s).")
    else:
        errors[f"{where}.type"] = gettext("Type must be view or miniprogram.")


def _check_name(button: dict, where: str, limit: int, errors: dict) -> None:
    name = button.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.encode()) > limit:
        errors[f"{where}.name"] = gettext("Name is required and at most %(count)s bytes.") % {"count": limit}


def menu_validate(buttons: list[dict]) -> None:
    """Raise ValidationError (per-field messages) when WeChat would refuse the menu."""
    errors: dict[str, str] = {}
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise ValidationError(
            {"button": gettext("Between 1 and %(count)s top-level buttons.") % {"count": MAX_BUTTONS}}
        )
    for index, button in enumerate(buttons):
        where = f"button[{index}]"
        if not isinstance(button, dict):
            errors[where] = gettext("Each button is an object with a name.")
            continue
        _check_name(button, where, MAX_NAME_BYTES, errors)
        subs = button.get("sub_button")
        if subs:
            if not isinstance(subs, list):
                errors[f"{where}.sub_button"] = gettext("sub_button is a list of buttons.")
                continue
            if len(subs) > MAX_SUB_BUTTONS:
                errors[f"{where}.sub_button"] = gettext("At most %(count)s sub-buttons.") % {
                    "count": MAX_SUB_BUTTONS
                }
            for sub_index, sub in enumerate(subs):
                sub_where = f"{where}.sub_button[{sub_index}]"
                if not isinstance(sub, dict):
                    errors[sub_where] = gettext("Each sub-button is an object with a name.")
                    continue
                _check_name(sub, sub_where, MAX_SUB_NAME_BYTES, errors)
                _check_leaf(sub, sub_where, errors)
        else:
            _check_leaf(button, where, errors)
    if errors:
        raise ValidationError(errors)


def menu_push(*, account, buttons: list[dict]) -> None:
    """Validate, then replace the official account's menu (WeChatError on a refusal)."""
    menu_validate(buttons)
    official_account_client(account).menu_create(buttons)


# --- generation from the enterprise's content -------------------------------------------------

MICROSITE_NAME = "微官网"
CONTACT_NAME = "联系我们"
ARTICLES_NAME = "精选文章"


def _fit(name: str, limit: int) -> str:
    """Cut a name to ``limit`` UTF-8 bytes without splitting a character."""
    data = name.encode()[:limit]
    return data.decode(errors="ignore") or "…"


def _miniprogram(*, account, name: str, token: str, fallback_url: str) -> dict:
    """A mini-program button opening the share page with the token as ``scene`` (like the codes)."""
    return {
        "type": "miniprogram",
        "name": name,
        "appid": account.mini_app_id,
        "pagepath": f"{account.mini_page}?scene={token}",
        "url": fallback_url,
    }


def menu_generate(*, enterprise, salesperson=None, articles: int = 3) -> list[dict]:
    """The button tree for ``enterprise``: microsite, a salesperson's card, recent articles.

    Links are share URLs (trackers.share), so visits from the menu are attributed to the
    salesperson like any shared link (to the enterprise when no salesperson is chosen). When the
    mini-program is configured the card also gets a mini-program entry with an H5 fallback URL.
    """
    from cms.articles.selectors import articles_readable
    from trackers.share import share_token_for, share_url, share_url_for_token

    from .models import WeChatAccount

    if salesperson is not None and salesperson.enterprise_id != enterprise.pk:
        raise ValidationError({"salesperson": gettext("Choose a salesperson of your enterprise.")})
    account = WeChatAccount.objects.filter(enterprise=enterprise).first()
    mini = account is not None and bool(account.mini_app_id)
    buttons: list[dict] = []
    root = enterprise.root_page.specific
    buttons.append({"type": "view", "name": MICROSITE_NAME, "url": share_url(root, salesperson)})
    card = getattr(salesperson, "card", None) if salesperson is not None else None
    if card is not None:
        token = share_token_for(card, salesperson)
        card_url = share_url_for_token(token)
        name = _fit(f"{salesperson.display_name}的名片", MAX_SUB_NAME_BYTES)
        subs = [{"type": "view", "name": name, "url": card_url}]
        if mini:
            subs.append(_miniprogram(account=account, name="小程序名片", token=token, fallback_url=card_url))
        buttons.append({"name": CONTACT_NAME, "sub_button": subs})
    latest = articles_readable(enterprise=enterprise).order_by("-first_published_at", "-pk")
    latest = list(latest[: max(0, min(articles, MAX_SUB_BUTTONS))])
    if latest:
        buttons.append(
            {
                "name": ARTICLES_NAME,
                "sub_button": [
                    {
                        "type": "view",
                        "name": _fit(article.title, MAX_SUB_NAME_BYTES),
                        "url": share_url(article, salesperson),
                    }
                    for article in latest
                ],
            }
        )
    return buttons
