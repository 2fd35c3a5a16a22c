import json

import pytest
from django.core.exceptions import ValidationError

from wechat.adapter import WeChatError, wecom_client
from wechat.menu import menu_push, menu_validate

pytest_plugins = ["tests.wechat_fixtures"]
pytestmark = pytest.mark.django_db


def _view(name="Card"):
    return {"type": "view", "name": name, "url": "https://example.com/c/x"}


def test_valid_menu_is_pushed_to_the_official_account(fake, wechat_account):
    buttons = [
        _view(),
        {
            "name": "More",
            "sub_button": [
                _view("Site"),
                {
                    "type": "miniprogram",
                    "name": "Mini",
                    "appid": "wxmini",
                    "pagepath": "pages/card?t=abc",
                    "url": "https://example.com",
                },
            ],
        },
    ]
    menu_push(account=wechat_account, buttons=buttons)
    [pushed] = fake.state.menus.values()
    assert pushed == buttons


@pytest.mark.parametrize(
    "buttons,field",
    [
        ([_view()] * 4, "button"),
        ([{"name": "More", "sub_button": [_view()] * 6}], "button[0].sub_button"),
        ([_view("名" * 6)], "button[0].name"),
        ([{"type": "view", "name": "x", "url": "javascript:x"}], "button[0].url"),
        ([{"type": "miniprogram", "name": "x", "url": "https://e.com"}], "button[0].appid"),
    ],
)
def test_menus_wechat_would_refuse_are_rejected_before_any_call(fake, wechat_account, buttons, field):
    with pytest.raises(ValidationError) as error:
        menu_validate(buttons)
    assert field in error.value.message_dict
    with pytest.raises(ValidationError):
        menu_push(account=wechat_account, buttons=buttons)
    assert fake.state.menus == {}


def test_sidebar_oauth_code_maps_to_the_userid_and_bad_codes_are_refused(fake, wechat_account):
    code = fake.state.issue_oauth_code("zhangsan")
    client = wecom_client(wechat_account, app=True)
    assert client.getuserinfo(code) == "zhangsan"
    with pytest.raises(WeChatError) as error:
        client.getuserinfo(code)  # a code is single-use
    assert error.value.errcode == 40029
    with pytest.raises(WeChatError):
        client.getuserinfo("forged")


# ---- generation from content and the admin screen (WX-4) -------------------------------------

MENU_URL = "/admin/wechat/menu/"


@pytest.fixture
def content(enterprise_a, salesperson_a):
    from cms.articles.services import article_create

    return [
        article_create(enterprise=enterprise_a, title=f"Article {n} " + "很长的标题" * 5, publish=True)
        for n in range(3)
    ]


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def test_generated_menu_opens_microsite_card_and_articles_with_the_salespersons_links(
    fake, wechat_account, enterprise_a, salesperson_a, content
):
    from trackers.share import share_token_verify
    from wechat.menu import menu_generate

    buttons = menu_generate(enterprise=enterprise_a, salesperson=salesperson_a, articles=2)
    menu_validate(buttons)  # WeChat would accept it (article titles cut to 60 bytes)
    site, contact, articles = buttons
    microsite = share_token_verify(_token(site["url"]))
    assert (microsite.kind, microsite.target_id) == ("page", enterprise_a.root_page.pk)
    assert microsite.salesperson_id == salesperson_a.pk
    card_view, card_mini = contact["sub_button"]
    card = share_token_verify(_token(card_view["url"]))
    expected = ("card", salesperson_a.card.pk, salesperson_a.pk)
    assert (card.kind, card.target_id, card.salesperson_id) == expected
    assert card_mini["type"] == "miniprogram" and card_mini["appid"] == wechat_account.mini_app_id
    assert card_mini["pagepath"] == f"{wechat_account.mini_page}?scene={_token(card_view['url'])}"
    assert card_mini["url"] == card_view["url"]
    assert len(articles["sub_button"]) == 2
    assert {share_token_verify(_token(b["url"])).target_id for b in articles["sub_button"]} <= {
        a.pk for a in content
    }


def test_generated_menu_without_salesperson_or_mini_program(enterprise_a):
    from trackers.share import share_token_verify
    from wechat.menu import menu_generate

    [site] = menu_generate(enterprise=enterprise_a, salesperson=None)
    assert share_token_verify(_token(site["url"])).salesperson_id is None


def test_generation_refuses_another_enterprises_salesperson(enterprise_a, salesperson_b):
    from wechat.menu import menu_generate

    with pytest.raises(ValidationError):
        menu_generate(enterprise=enterprise_a, salesperson=salesperson_b)


@pytest.mark.parametrize(
    "junk", [[1, 2], [{"name": "x", "sub_button": "nope"}], [{"name": 5, "type": "view"}]]
)
def test_junk_menus_get_field_errors_not_exceptions(junk):
    with pytest.raises(ValidationError) as error:
        menu_validate(junk)
    assert any(key.startswith("button[") for key in error.value.message_dict)


def test_admin_generates_previews_and_pushes_the_menu(
    fake, wechat_account, login, admin_a, salesperson_a, content
):
    client = login(admin_a)
    assert client.get(MENU_URL).status_code == 200
    response = client.post(MENU_URL, {"action": "generate", "salesperson": salesperson_a.pk, "articles": 3})
    assert response.status_code == 200
    generated = response.context["buttons"]
    assert len(generated) == 3 and b'id="menu-preview"' in response.content
    menu_json = response.context["form"].data["menu"]
    assert json.loads(menu_json) == generated
    assert fake.state.menus == {}  # generating pushes nothing
    response = client.post(MENU_URL, {"action": "push", "articles": 3, "menu": menu_json})
    assert response.status_code == 200, response.context["menu_errors"]
    assert fake.state.menus == {f"app:{wechat_account.official_app_id}": generated}


def test_invalid_menu_shows_per_field_errors_and_is_not_pushed(fake, wechat_account, login, admin_a):
    bad = '[{"type": "view", "name": "名名名名名名", "url": "javascript:alert(1)"}]'
    response = login(admin_a).post(MENU_URL, {"action": "push", "articles": 3, "menu": bad})
    assert response.status_code == 400
    html = response.content.decode()
    assert "button[0].url" in html and "button[0].name" in html and "http(s) URL" in html
    assert fake.state.menus == {}


def test_malformed_json_is_a_form_error(fake, wechat_account, login, admin_a):
    response = login(admin_a).post(MENU_URL, {"action": "push", "articles": 3, "menu": "{{{"})
    assert response.status_code == 400 and "menu" in response.context["form"].errors
    assert fake.state.menus == {}


def test_push_without_official_account_is_a_clear_error(fake, login, admin_a):
    menu = '[{"type": "view", "name": "Site", "url": "https://example.com"}]'
    response = login(admin_a).post(MENU_URL, {"action": "push", "articles": 3, "menu": menu}, follow=True)
    assert response.status_code == 200 and "not configured" in response.content.decode()
    assert fake.state.menus == {}


def test_another_enterprises_admin_cannot_see_or_push_a_menu(
    fake, wechat_account, enterprise_b, login, admin_b, salesperson_a
):
    # given B has its own official account
    from tests.wechat_factories import make_account

    account_b = make_account(enterprise_b, fake)
    client = login(admin_b)
    response = client.get(MENU_URL)
    assert response.status_code == 200 and salesperson_a.display_name not in response.content.decode()
    # A's salesperson cannot be chosen by B's admin
    response = client.post(MENU_URL, {"action": "generate", "salesperson": salesperson_a.pk, "articles": 3})
    assert response.status_code == 400 and "salesperson" in response.context["form"].errors
    # a push by B's admin reaches only B's official account
    menu = '[{"type": "view", "name": "Site", "url": "https://b.example.com"}]'
    client.post(MENU_URL, {"action": "push", "articles": 3, "menu": menu})
    assert list(fake.state.menus) == [f"app:{account_b.official_app_id}"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_salesperson_cannot_use_the_menu_screen(fake, wechat_account, login, salesperson_a, method):
    menu = '[{"type": "view", "name": "Site", "url": "https://example.com"}]'
    client = login(salesperson_a.user)
    response = getattr(client, method)(MENU_URL, {"action": "push", "articles": 3, "menu": menu})
    # Wagtail turns PermissionDenied into a redirect to the dashboard with a message
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert fake.state.menus == {}


def test_anonymous_is_sent_to_login(fake, client):
    response = client.post(MENU_URL, {"action": "push", "menu": "[]"})
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert fake.state.menus == {}
