"""Issue 19: the product speaks 简体中文 by default, English on request, and every string is translated.

The catalogue check runs ``makemessages`` over a temporary copy of the checkout and
fails on any product string without a translation (empty or fuzzy entry), so a new English
string cannot ship untranslated; the committed ``.mo`` must be what ``.po`` compiles to.
"""

from __future__ import annotations

import gettext
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation
from wagtail.users.models import UserProfile

from .tracking_factories import clean_redis  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
# Not product code: the virtualenv, tests, benches, uploads, minified vendor files and what
# collectstatic copies from Django/Wagtail (our own app JS under <app>/static/ is scanned).
IGNORE = [".venv", "tests", "bench", "media", "node_modules", "*.min.js", "admin", "wagtail*", "modelsearch"]
IGNORE += ["graphene_django", "taggit", "wagtail_headless_preview", "rest_framework"]
DOMAINS = ["django", "djangojs"]
ENTRY = re.compile(
    r'^msgid ((?:".*"\n?)+)(?:msgid_plural (?:".*"\n?)+)?msgstr(?:\[0\])? ((?:".*"\n?)+)', re.M
)


def _entries(po_text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) of each entry except the header."""
    entries = []
    for chunk in po_text.split("\n\n"):
        match = ENTRY.search(chunk)
        if not match:
            continue
        msgid = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1)))
        msgstr = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(2)))
        if msgid:
            entries.append((msgid, msgstr, "#, fuzzy" in chunk))
    return entries


def _problems(po_text: str) -> list[str]:
    return [
        f"{'fuzzy' if fuzzy else 'untranslated'}: {msgid}"
        for msgid, msgstr, fuzzy in _entries(po_text)
        if fuzzy or not msgstr
    ]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_every_product_string_has_a_chinese_translation(tmp_path):
    # makemessages rewrites the ``locale/`` beside the code, so it runs over a copy of the
    # checkout: the committed catalogues are never touched, even by a run that is interrupted.
    copy = tmp_path / "checkout"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".demo", ".git", "media", "node_modules")
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cms.settings.test", "PYTHONPATH": str(copy)}
    problems = []
    for domain in DOMAINS:
        args = [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-d", domain, "--no-location"]
        args += [f"--ignore={pattern}" for pattern in IGNORE]
        subprocess.run(args, cwd=copy, env=env, check=True, capture_output=True)
        po = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
        assert po.exists(), f"{domain}.po missing"
        problems += [f"{domain}: {p}" for p in _problems(po.read_text(encoding="utf-8"))]
    assert not problems, "Translate these in locale/zh_Hans/LC_MESSAGES:\n" + "\n".join(problems)


def test_the_check_catches_an_untranslated_and_a_fuzzy_entry():
    po = 'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\nmsgid "Leads"\nmsgstr "线索"\n\n'
    po += 'msgid "Data center"\nmsgstr ""\n\n#, fuzzy\nmsgid "Pool"\nmsgstr "池"\n'
    assert _problems(po) == ["untranslated: Data center", "fuzzy: Pool"]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext")
@pytest.mark.parametrize("domain", DOMAINS)
def test_committed_mo_is_compiled_from_the_po(tmp_path, domain):
    po = LOCALE / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"
    out = tmp_path / f"{domain}.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(po)], check=True)
    with out.open("rb") as fresh, po.with_suffix(".mo").open("rb") as committed:
        expected = gettext.GNUTranslations(fresh)._catalog
        assert gettext.GNUTranslations(committed)._catalog == expected, "run: manage.py compilemessages"


def test_chinese_is_the_default_language():
    # cms/settings/test.py keeps the suite in English; the product default is 简体中文.
    from cms.settings import base

    assert base.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE


def test_product_strings_translate():
    from crm.models import Lead, Pool

    with translation.override("zh-hans"):
        assert str(Pool.POTENTIAL.label) == "潜在"
        assert str(Lead._meta.get_field("pool").choices[1][1]) == "待分配"
    with translation.override("en"):
        assert str(Pool.POTENTIAL.label) == "Potential"


def _has(html: str, word: str) -> bool:
    """Wagtail renders its menu from JSON (non-ASCII escaped) and the rest as HTML."""
    escaped = json.dumps(word)[1:-1]
    return word in html or escaped in html or escaped.replace("&", "\\u0026") in html


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="zh-hans")
def test_admin_menu_is_chinese_for_a_chinese_operator(login, admin_a):
    html = login(admin_a).get("/admin/").content.decode()
    for word in ["客户管理", "数据中心", "文章"]:
        assert _has(html, word), word
    for word in ["Leads & customers", "Data center"]:
        assert not _has(html, word), word


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="zh-hans")
def test_english_preference_keeps_the_admin_english(login, admin_a):
    profile = UserProfile.get_for_user(admin_a)
    profile.preferred_language = "en"
    profile.save()
    html = login(admin_a).get("/admin/").content.decode()
    assert _has(html, "Leads & customers") and _has(html, "Data center")
    assert not _has(html, "线索与客户")


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="zh-hans")
def test_lead_list_columns_and_filters_are_chinese(login, admin_a):
    html = login(admin_a).get("/admin/snippets/crm/lead/").content.decode()
    for word in ["线索池", "是否客户", "潜在", "待分配"]:
        assert word in html, word
    for word in [">Pool<", ">Is customer<", "Add lead"]:
        assert word not in html, word


# -- Notices to salespeople: written once, in the reader's language (stored, then sent to WeChat) --


def _open_notice(client, salesperson, nickname=""):
    from trackers.models import Notification
    from trackers.services import visitor_identify, visitor_token

    from .tracking_factories import event, post_batch, token_for

    visitor = visitor_identify(enterprise=salesperson.enterprise, openid=f"O-{nickname}", nickname=nickname)
    post_batch(client, token_for(salesperson, "card", 3), [event("open")], visitor=visitor_token(visitor))
    return Notification.objects.get(salesperson=salesperson, visitor=visitor)


@pytest.mark.django_db
@pytest.mark.usefixtures("clean_redis")
@override_settings(LANGUAGE_CODE="zh-hans")
def test_visitor_open_notice_is_chinese_by_default(client, salesperson_a):
    notice = _open_notice(client, salesperson_a)
    assert notice.title.startswith("访客 ") and "正在查看" in notice.title, notice.title
    assert "is viewing" not in notice.title and "Visitor" not in notice.title


@pytest.mark.django_db
@pytest.mark.usefixtures("clean_redis")
@override_settings(LANGUAGE_CODE="zh-hans")
def test_notice_follows_the_salespersons_english_preference(client, salesperson_a):
    profile = UserProfile.get_for_user(salesperson_a.user)
    profile.preferred_language = "en"
    profile.save()
    assert _open_notice(client, salesperson_a, "Zhang").title == "Zhang is viewing card #3"


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="zh-hans")
def test_follow_up_reminder_is_chinese(salesperson_a):
    import datetime as dt

    from django.utils import timezone

    from crm.models import FollowUp, Lead
    from crm.services import followup_remind_due
    from trackers.models import Notification

    lead = Lead.objects.create(enterprise=salesperson_a.enterprise, name="李雷", salesperson=salesperson_a)
    due = timezone.now() - dt.timedelta(minutes=1)
    followup = FollowUp.objects.create(
        enterprise=lead.enterprise, lead=lead, salesperson=salesperson_a, content="回访报价", next_at=due
    )
    with translation.override("en"):  # the request that scheduled it does not decide the language
        assert followup_remind_due(followup_id=followup.pk)
    assert Notification.objects.get(salesperson=salesperson_a).title == "请跟进 李雷"


# -- Chinese formats: amounts, mainland mobile numbers, dates in Asia/Shanghai --


def test_amounts_read_as_yuan():
    from decimal import Decimal

    from cms.formats import yuan

    assert yuan(Decimal("1280")) == "¥1,280.00"
    assert yuan(1234567.5) == "¥1,234,567.50"
    assert yuan(None) is None


@pytest.mark.parametrize(
    "typed", ["13800138000", "+86 138 0013 8000", "0086-138-0013-8000", "86 13800138000", "138 0013 8000"]
)
def test_mainland_mobile_numbers_are_grouped_3_4_4(typed):
    from cms.formats import cn_mobile_display, is_cn_mobile

    assert is_cn_mobile(typed)
    assert cn_mobile_display(typed) == "138 0013 8000"


@pytest.mark.parametrize("typed", ["12800138000", "1380013800", "010-12345678", "+1 415 555 0100", ""])
def test_other_numbers_are_refused_and_shown_as_typed(typed):
    from cms.formats import cn_mobile_display, is_cn_mobile

    assert not is_cn_mobile(typed)
    assert cn_mobile_display(typed) == typed


def test_phone_field_refuses_a_bad_number_in_chinese():
    from django import forms

    from cms.leadforms.forms import ChinaMobileField

    field = ChinaMobileField(required=True)
    assert field.clean("+86 139-1234-5678") == "13912345678"
    with translation.override("zh-hans"):
        with pytest.raises(forms.ValidationError) as refused:
            field.clean("12345")
        assert refused.value.messages == ["请输入中国大陆手机号（以 1 开头的 11 位数字）。"]


def test_dates_and_times_read_the_chinese_way_in_shanghai():
    import datetime as dt

    from django.utils import formats, timezone

    moment = dt.datetime(2026, 12, 3, 7, 30, tzinfo=dt.UTC)  # 15:30 in Shanghai
    with translation.override("zh-hans"), timezone.override("Asia/Shanghai"):
        local = timezone.localtime(moment)
        assert formats.date_format(local, "DATETIME_FORMAT") == "2026年12月3日 15:30"
        assert formats.date_format(local, "SHORT_DATETIME_FORMAT") == "2026年12月3日 15:30"
        assert formats.number_format(1280.5, 2, force_grouping=True) == "1,280.50"
        parsed = forms_datetime("2026-12-03 15:30")
        assert (parsed.year, parsed.month, parsed.day, parsed.hour) == (2026, 12, 3, 15)
        assert forms_datetime("2026年12月3日 15:30") == parsed


def forms_datetime(text: str):
    from django import forms

    return forms.DateTimeField().clean(text)


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="zh-hans")
def test_lead_list_shows_mainland_numbers_grouped(login, admin_a, enterprise_a):
    from crm.models import Lead

    Lead.objects.create(enterprise=enterprise_a, name="李雷", phone="13800138000")
    html = login(admin_a).get("/admin/snippets/crm/lead/").content.decode()
    assert "138 0013 8000" in html and "13800138000" not in html


# -- CRM: import errors and refusals in the user's language --


@pytest.mark.django_db
def test_lead_import_errors_are_chinese(enterprise_a):
    from crm.services import leads_import

    content = "name,phone\n李雷,abc\n韩梅梅,\n".encode()
    with translation.override("zh-hans"):
        count, errors = leads_import(enterprise=enterprise_a, filename="leads.csv", content=content)
    assert count == 0
    assert [(e["row"], e["message"]) for e in errors] == [
        (2, "不是有效的手机号：abc"),
        (3, "手机号或 unionid 必填其一。"),
    ]


@pytest.mark.django_db
def test_crm_refusal_is_chinese(enterprise_a):
    from crm.models import Lead, Pool
    from crm.services import CrmError, lead_move

    lead = Lead.objects.create(enterprise=enterprise_a, name="李雷")
    with translation.override("zh-hans"), pytest.raises(CrmError) as refused:
        lead_move(lead=lead, pool=Pool.ELIMINATED, reason=" ")
    assert str(refused.value) == "请填写原因。"


@override_settings(LANGUAGE_CODE="zh-hans")
@pytest.mark.parametrize(
    "path, chinese, english",
    [
        ("/admin/data-center/", ["数据中心", "阅读分钟数", "文章"], ["Data center", "Read minutes"]),
        ("/admin/crm/collisions/", ["撞单"], ["Collisions ("]),
        ("/admin/crm/export/", ["导出线索和客户"], ["Export leads and customers"]),
        ("/admin/wechat/mass/", ["企业群发"], ["Mass messages ("]),
    ],
)
def test_admin_screen_headers_are_chinese(login, admin_a, path, chinese, english):
    """Screens passed literal English titles to Wagtail's header include (seen in the demo)."""
    response = login(admin_a).get(path)
    assert response.status_code == 200
    html = response.content.decode()
    for word in chinese:
        assert _has(html, word), word
    for word in english:
        assert not _has(html, word), word
