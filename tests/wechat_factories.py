"""Factories for WeChat/WeCom tests: accounts the fake server knows, linked salespeople."""

from __future__ import annotations

import base64
import os
import secrets

from wechat.fake_server import Corp
from wechat.models import SalespersonWeChat, WeChatAccount


def make_account(enterprise, fake) -> WeChatAccount:
    """A fully configured account whose app and corp the fake knows (unique ids: tokens are cached)."""
    suffix = secrets.token_hex(6)
    aes_key = base64.b64encode(os.urandom(32)).decode()[:43]
    account = WeChatAccount.objects.create(
        enterprise=enterprise,
        mini_app_id=f"wxmini{suffix}",
        mini_app_secret=secrets.token_hex(16),
        official_app_id=f"wxoa{suffix}",
        official_app_secret=secrets.token_hex(16),
        subscribe_template_id="tmpl-chat-reply",
        corp_id=f"ww{suffix}",
        contact_secret=secrets.token_hex(16),
        agent_id="1000002",
        agent_secret=secrets.token_hex(16),
        callback_token=secrets.token_hex(8),
        encoding_aes_key=aes_key,
        welcome_message=f"Welcome to {enterprise.name}!",
    )
    fake.state.apps[account.mini_app_id] = account.mini_app_secret
    fake.state.apps[account.official_app_id] = account.official_app_secret
    fake.state.corps[account.corp_id] = Corp(
        corp_id=account.corp_id,
        secrets={account.contact_secret, account.agent_secret},
        token=account.callback_token,
        aes_key=aes_key,
    )
    return account


def link_salesperson(salesperson, userid: str, **kwargs) -> SalespersonWeChat:
    return SalespersonWeChat.objects.create(
        salesperson=salesperson, enterprise=salesperson.enterprise, wecom_userid=userid, **kwargs
    )
