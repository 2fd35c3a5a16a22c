import pytest
from django.http import Http404
from django.utils import timezone

from tests.wechat_factories import make_account
from wechat.models import ExternalContact, SalespersonWeChat
from wechat.sidebar import SidebarRefused, sidebar_contact, sidebar_login

pytest_plugins = ["tests.wechat_fixtures"]
pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def setup(fake, enterprise_a, enterprise_b, salesperson_a, other_salesperson_a, salesperson_b):
    account = make_account(enterprise_a, fake)
    SalespersonWeChat.objects.create(salesperson=salesperson_a, enterprise=enterprise_a, wecom_userid="zhang")
    contact = ExternalContact.objects.create
    mine = contact(enterprise=enterprise_a, salesperson=salesperson_a, external_userid="wm1", added_at=NOW)
    contact(enterprise=enterprise_a, salesperson=other_salesperson_a, external_userid="wm2", added_at=NOW)
    contact(enterprise=enterprise_b, salesperson=salesperson_b, external_userid="wm3", added_at=NOW)
    return account, mine


def test_own_contact_is_shown_others_are_404(fake, setup):
    account, mine = setup
    token = sidebar_login(account=account, code=fake.state.issue_oauth_code("zhang"))
    assert sidebar_contact(token=token, external_userid="wm1") == mine
    for other in ("wm2", "wm3", "nope"):
        with pytest.raises(Http404):
            sidebar_contact(token=token, external_userid=other)


def test_forged_identities_are_refused(fake, setup):
    account, _ = setup
    with pytest.raises(SidebarRefused):
        sidebar_login(account=account, code="forged")
    with pytest.raises(SidebarRefused):  # a WeCom member who is no salesperson here
        sidebar_login(account=account, code=fake.state.issue_oauth_code("stranger"))
    token = sidebar_login(account=account, code=fake.state.issue_oauth_code("zhang"))
    with pytest.raises(SidebarRefused):
        sidebar_contact(token=token[:-2] + "xx", external_userid="wm1")
