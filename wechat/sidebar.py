"""WeCom chat sidebar (WX-3) identity: OAuth code → salesperson, signed token, contact visibility."""

from __future__ import annotations

from django.core import signing
from django.http import Http404

from wechat.adapter import WeChatError, wecom_client
from wechat.models import ExternalContact, SalespersonWeChat

SALT = "wechat.sidebar"
MAX_AGE = 8 * 3600


class SidebarRefused(Exception):
    """A forged or unknown identity: the sidebar shows nothing."""


def sidebar_login(*, account, code: str) -> str:
    """Exchange the OAuth code and return a signed identity token (enterprise + salesperson)."""
    try:
        userid = wecom_client(account, app=True).getuserinfo(code)
    except WeChatError as error:
        raise SidebarRefused(str(error)) from error
    link = SalespersonWeChat.objects.filter(enterprise_id=account.enterprise_id, wecom_userid=userid).first()
    if link is None:
        raise SidebarRefused("not a salesperson of this enterprise")
    return signing.dumps({"e": account.enterprise_id, "s": link.salesperson_id}, salt=SALT)


def sidebar_identity(token: str) -> tuple[int, int]:
    """(enterprise id, salesperson id) from a signed token; tampered or stale tokens are refused."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature as error:
        raise SidebarRefused("bad identity") from error
    return int(data["e"]), int(data["s"])


def sidebar_contact(*, token: str, external_userid: str) -> ExternalContact:
    """The contact only if it is this salesperson's, in the same enterprise; otherwise 404."""
    enterprise_id, salesperson_id = sidebar_identity(token)
    contact = (
        ExternalContact.objects.select_related("visitor")
        .filter(enterprise_id=enterprise_id, salesperson_id=salesperson_id, external_userid=external_userid)
        .first()
    )
    if contact is None:
        raise Http404("No such contact")
    return contact
