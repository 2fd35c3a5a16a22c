import pytest
from django.core.exceptions import ValidationError

from wechat.adapter import WeChatError, wecom_client
from wechat.menu import menu_push, menu_validate

pytest_plugins = ["tests.wechat_fixtures"]
pytestmark = pytest.mark.django_db


def _view(name="Card"):
    return {"type": "view", "name": name, "url": "https://example.com/c/x"}


def test_valid_menu_is_pushed_to_the_official_account(fake, wechat_account):
    buttons = [_view(), {"name": "More", "sub_button": [_view("Site"), {
        "type": "miniprogram", "name": "Mini", "appid": "wxmini", "pagepath": "pages/card?t=abc",
        "url": "https://example.com"}]}]
    menu_push(account=wechat_account, buttons=buttons)
    [pushed] = fake.state.menus.values()
    assert pushed == buttons


@pytest.mark.parametrize("buttons,field", [
    ([_view()] * 4, "button"),
    ([{"name": "More", "sub_button": [_view()] * 6}], "button[0].sub_button"),
    ([_view("名" * 6)], "button[0].name"),
    ([{"type": "view", "name": "x", "url": "javascript:x"}], "button[0].url"),
    ([{"type": "miniprogram", "name": "x", "url": "https://e.com"}], "button[0].appid"),
])
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
