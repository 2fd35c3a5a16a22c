"""Fixtures for the WeChat/WeCom tests: the fake server on a free loopback port and accounts on it.

Use them from a test module with ``pytest_plugins = ["tests.wechat_fixtures"]``.
"""

from __future__ import annotations

import pytest

from wechat.fake_server import FakeServer

from .wechat_factories import make_account


@pytest.fixture
def fake(settings):
    """The fake WeChat/WeCom server in a thread; the adapter is pointed at it through settings."""
    server = FakeServer().start()
    settings.WECHAT_API_BASE = server.url
    settings.WECOM_API_BASE = server.url
    yield server
    server.stop()


@pytest.fixture
def wechat_account(enterprise_a, fake):
    return make_account(enterprise_a, fake)
