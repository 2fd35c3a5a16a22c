"""Official-account custom menu (WX-4): validate against WeChat's limits, then push through the adapter."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from wechat.adapter import official_account_client

MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
# WeChat counts bytes: top-level names ≤ 16 bytes, sub-button names ≤ 60 bytes (UTF-8).
MAX_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60


def _check_leaf(button: dict, where: str, errors: dict) -> None:
    kind = button.get("type")
    if kind == "view":
        if not str(button.get("url") or "").startswith(("http://", "https://")):
            errors[f"{where}.url"] = "A view button needs an http(s) URL."
    elif kind == "miniprogram":
        for key in ("appid", "pagepath", "url"):
            if not button.get(key):
                errors[f"{where}.{key}"] = f"A miniprogram button needs {key}."
    else:
        errors[f"{where}.type"] = "Type must be view or miniprogram."


def menu_validate(buttons: list[dict]) -> None:
    """Raise ValidationError (per-field messages) when WeChat would refuse the menu."""
    errors: dict[str, str] = {}
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise ValidationError({"button": f"Between 1 and {MAX_BUTTONS} top-level buttons."})
    for index, button in enumerate(buttons):
        where = f"button[{index}]"
        name = str(button.get("name") or "")
        if not name or len(name.encode()) > MAX_NAME_BYTES:
            errors[f"{where}.name"] = f"Name is required and at most {MAX_NAME_BYTES} bytes."
        subs = button.get("sub_button")
        if subs:
            if len(subs) > MAX_SUB_BUTTONS:
                errors[f"{where}.sub_button"] = f"At most {MAX_SUB_BUTTONS} sub-buttons."
            for sub_index, sub in enumerate(subs):
                sub_where = f"{where}.sub_button[{sub_index}]"
                sub_name = str(sub.get("name") or "")
                if not sub_name or len(sub_name.encode()) > MAX_SUB_NAME_BYTES:
                    errors[f"{sub_where}.name"] = f"Name is required and at most {MAX_SUB_NAME_BYTES} bytes."
                _check_leaf(sub, sub_where, errors)
        else:
            _check_leaf(button, where, errors)
    if errors:
        raise ValidationError(errors)


def menu_push(*, account, buttons: list[dict]) -> None:
    """Validate, then replace the official account's menu (WeChatError on a refusal)."""
    menu_validate(buttons)
    official_account_client(account).menu_create(buttons)
