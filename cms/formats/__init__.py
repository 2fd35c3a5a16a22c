"""Chinese formats: the one home for how amounts, mainland phone numbers and dates read.

Dates and times follow Django's localisation with ``FORMAT_MODULE_PATH = ["cms.formats"]``:
``cms/formats/zh_Hans/formats.py`` is the rule for 简体中文 (2026年12月3日 15:30, in
Asia/Shanghai because ``TIME_ZONE`` is). Amounts and phone numbers are not locale-dependent
in this product (the money is always yuan, the numbers always mainland), so they are plain
functions used by templates, admin columns and the API.
"""

from __future__ import annotations

import re
from decimal import Decimal

#: A mainland China mobile number once normalised: 11 digits starting 13–19.
CN_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def yuan(amount: Decimal | int | float | None) -> str | None:
    """An amount in yuan as Chinese price tags show it: 1280 -> "¥1,280.00"; None stays None."""
    return None if amount is None else f"¥{Decimal(str(amount)):,.2f}"


def normalize_cn_mobile(value: str) -> str:
    """What people type (+86 138-0013-8000, 0086 13800138000, 138 0013 8000) as 11 digits.

    Anything else comes back without its separators, so a validator can refuse it.
    """
    digits = re.sub(r"[\s\-()（）]", "", value or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


def is_cn_mobile(value: str) -> bool:
    return bool(CN_MOBILE_RE.match(normalize_cn_mobile(value)))


def cn_mobile_display(value: str) -> str:
    """A mainland mobile number grouped 3-4-4 as Chinese users read it (138 0013 8000).

    Numbers that are not mainland mobiles (landlines, foreign numbers) are shown as stored.
    """
    digits = normalize_cn_mobile(value)
    if not CN_MOBILE_RE.match(digits):
        return value or ""
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
