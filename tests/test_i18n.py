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
