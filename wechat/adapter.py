"""The one adapter for WeChat (mini-program, official account) and WeCom HTTP APIs.

Plain ``requests``, not wechatpy's clients: wechatpy 1.8.18 imports and runs on Python 3.11,
but its clients hard-code hosts per API class (``WeChatWxa.API_BASE_URL`` etc.), refresh tokens
without any lock (every worker refreshes at once after an expiry, each invalidating the
others' tokens), and lack ``wxa/business/getuserphonenumber`` and
``externalcontact/get_groupmsg_send_result``. We do use wechatpy's WeCom callback crypto
(:class:`CallbackCrypto`), which is exactly WeCom's algorithm and needs no network.

Access tokens live in the Django cache (Redis when ``REDIS_URL`` is set), so every worker
shares one token per app; a cache lock makes concurrent refreshes fetch only once.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache

WECHAT_HOST = "https://api.weixin.qq.com"
WECOM_HOST = "https://qyapi.weixin.qq.com"
#: Error codes that mean "this access token is no longer good": refresh once and retry.
TOKEN_ERRORS = frozenset({40001, 40014, 41001, 42001})
TIMEOUT = 8
LOCK_SECONDS = 10


class WeChatError(Exception):
    """An error answer from WeChat/WeCom (``errcode``/``errmsg``) or an unreachable server."""

    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class NotConfigured(WeChatError):
    def __init__(self, what: str):
        super().__init__(-2, f"{what} is not configured for this enterprise")


@dataclass(frozen=True)
class Credentials:
    """What one API client needs; ``kind`` is ``wechat`` (appid/secret) or ``wecom`` (corpid/secret)."""

    kind: str
    app_id: str
    secret: str
    api_base: str

    @property
    def cache_key(self) -> str:
        digest = hashlib.sha1(f"{self.kind}|{self.api_base}|{self.app_id}|{self.secret}".encode()).hexdigest()
        return f"wx:token:{digest[:24]}"


class ApiClient:
    """Token handling and error mapping shared by the WeChat and WeCom clients."""

    def __init__(self, credentials: Credentials, *, session: requests.Session | None = None):
        if not (credentials.app_id and credentials.secret):
            raise NotConfigured("WeCom" if credentials.kind == "wecom" else "WeChat")
        self.credentials = credentials
        self.http = session or requests.Session()

    # -- tokens -----------------------------------------------------------------------------

    def _fetch_token(self) -> tuple[str, int]:
        raise NotImplementedError

    def access_token(self, *, stale: str | None = None) -> str:
        """The shared token; ``stale`` is one the server just refused (refresh unless replaced)."""
        key = self.credentials.cache_key
        token = cache.get(key)
        if token and token != stale:
            return token
        lock_key, owner = f"{key}:lock", secrets.token_hex(8)
        deadline = time.monotonic() + LOCK_SECONDS + 2
        while time.monotonic() < deadline:
            if cache.add(lock_key, owner, LOCK_SECONDS):
                try:
                    token = cache.get(key)
                    if token and token != stale:
                        return token  # another worker refreshed while we waited
                    token, expires_in = self._fetch_token()
                    margin = min(300, expires_in // 10)
                    cache.set(key, token, max(expires_in - margin, 1))
                    return token
                finally:
                    if cache.get(lock_key) == owner:
                        cache.delete(lock_key)
            time.sleep(0.02)
            token = cache.get(key)
            if token and token != stale:
                return token
        raise WeChatError(-1, "timed out waiting for another worker to refresh the access token")

    # -- calls ------------------------------------------------------------------------------

    def _http(self, method: str, path: str, *, params: dict, body: dict | None) -> requests.Response:
        url = f"{self.credentials.api_base.rstrip('/')}/{path.lstrip('/')}"
        try:
            return self.http.request(method, url, params=params, json=body, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise WeChatError(-1, f"{type(error).__name__} talking to {self.credentials.api_base}")

    @staticmethod
    def _json(response: requests.Response) -> dict:
        try:
            data = response.json()
        except ValueError:
            raise WeChatError(-1, f"unexpected answer (HTTP {response.status_code})")
        if not isinstance(data, dict):
            raise WeChatError(-1, "unexpected answer")
        return data

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        body: dict | None = None,
        binary: bool = False,
    ):
        """One authenticated call; a refused token is refreshed once (for every worker) and retried."""
        stale = None
        for attempt in range(2):
            token = self.access_token(stale=stale)
            response = self._http(method, path, params={**(params or {}), "access_token": token}, body=body)
            if binary and response.headers.get("Content-Type", "").startswith("image/"):
                return response.content
            data = self._json(response)
            errcode = int(data.get("errcode") or 0)
            if errcode in TOKEN_ERRORS and attempt == 0:
                stale = token
                continue
            if errcode:
                raise WeChatError(errcode, str(data.get("errmsg") or ""))
            return data
        raise WeChatError(-1, "unreachable")  # pragma: no cover


@dataclass(frozen=True)
class LoginSession:
    openid: str
    unionid: str
    session_key: str


class MiniProgramClient(ApiClient):
    """Mini-program (and official account) calls."""

    def _fetch_token(self) -> tuple[str, int]:
        response = self._http(
            "GET",
            "cgi-bin/token",
            params={
                "grant_type": "client_credential",
                "appid": self.credentials.app_id,
                "secret": self.credentials.secret,
            },
            body=None,
        )
        data = self._json(response)
        if data.get("errcode"):
            raise WeChatError(int(data["errcode"]), str(data.get("errmsg") or ""))
        return str(data["access_token"]), int(data.get("expires_in") or 7200)

    def code2session(self, code: str) -> LoginSession:
        """``wx.login`` code → openid/unionid (40029 invalid code, 40163 already used)."""
        response = self._http(
            "GET",
            "sns/jscode2session",
            params={
                "appid": self.credentials.app_id,
                "secret": self.credentials.secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
            body=None,
        )
        data = self._json(response)
        if data.get("errcode"):
            raise WeChatError(int(data["errcode"]), str(data.get("errmsg") or ""))
        return LoginSession(
            openid=str(data["openid"]),
            unionid=str(data.get("unionid") or ""),
            session_key=str(data.get("session_key") or ""),
        )

    def phone_number(self, code: str) -> str:
        """The phone number the user consented to share (``getPhoneNumber`` button code)."""
        data = self.call("POST", "wxa/business/getuserphonenumber", body={"code": code})
        return str(data["phone_info"]["purePhoneNumber"])

    def menu_create(self, buttons: list[dict]) -> None:
        """Replace the official account's custom menu (callers validate with wechat.menu first)."""
        self.call("POST", "cgi-bin/menu/create", body={"button": buttons})

    def wxacode_unlimited(self, *, scene: str, page: str = "", width: int = 430) -> bytes:
        """An unlimited mini-program code (PNG) carrying ``scene`` (≤ 32 characters)."""
        body = {"scene": scene, "width": width, "check_path": False}
        if page:
            body["page"] = page
        result = self.call("POST", "wxa/getwxacodeunlimit", body=body, binary=True)
        if not isinstance(result, bytes):
            raise WeChatError(-1, "no image in the answer")
        return result

    def subscribe_send(self, *, openid: str, template_id: str, data: dict, page: str = "") -> int:
        body = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": str(value)[:20]} for key, value in data.items()},
        }
        if page:
            body["page"] = page
        return int(self.call("POST", "cgi-bin/message/subscribe/send", body=body).get("msgid") or 0)


class WeComClient(ApiClient):
    """WeCom customer contact (externalcontact) and app message calls."""

    def _fetch_token(self) -> tuple[str, int]:
        response = self._http(
            "GET",
            "cgi-bin/gettoken",
            params={"corpid": self.credentials.app_id, "corpsecret": self.credentials.secret},
            body=None,
        )
        data = self._json(response)
        if data.get("errcode"):
            raise WeChatError(int(data["errcode"]), str(data.get("errmsg") or ""))
        return str(data["access_token"]), int(data.get("expires_in") or 7200)

    def add_contact_way(self, *, userids: list[str], state: str, remark: str = "") -> dict:
        """A "contact me" QR code; with several users WeCom assigns each customer at random."""
        body = {
            "type": 1 if len(userids) == 1 else 2,
            "scene": 2,
            "user": userids,
            "state": state,
            "remark": remark[:30],
            "skip_verify": True,
        }
        data = self.call("POST", "cgi-bin/externalcontact/add_contact_way", body=body)
        return {"config_id": data["config_id"], "qr_code": data.get("qr_code", "")}

    def update_contact_way(self, *, config_id: str, userids: list[str]) -> None:
        self.call(
            "POST",
            "cgi-bin/externalcontact/update_contact_way",
            body={"config_id": config_id, "user": userids},
        )

    def get_contact_way(self, config_id: str) -> dict:
        return self.call("POST", "cgi-bin/externalcontact/get_contact_way", body={"config_id": config_id})[
            "contact_way"
        ]

    def send_welcome(self, *, welcome_code: str, text: str) -> None:
        self.call(
            "POST",
            "cgi-bin/externalcontact/send_welcome_msg",
            body={"welcome_code": welcome_code, "text": {"content": text}},
        )

    def getuserinfo(self, code: str) -> str:
        """Sidebar OAuth ``code`` → the member's WeCom userid (40029 for a bad or used code)."""
        data = self.call("GET", "cgi-bin/auth/getuserinfo", params={"code": code})
        userid = str(data.get("userid") or data.get("UserId") or "")
        if not userid:
            raise WeChatError(40029, "not a member of the enterprise")
        return userid

    def jsapi_ticket(self, *, agent: bool = False) -> str:
        """The JS-SDK ticket (``wx.config``), or with ``agent`` the app's (``wx.agentConfig``).

        Cached in the shared cache until shortly before it expires (WeCom limits fetches).
        """
        key = f"{self.credentials.cache_key}:jsapi:{'agent' if agent else 'corp'}"
        ticket = cache.get(key)
        if ticket:
            return ticket
        if agent:
            data = self.call("GET", "cgi-bin/ticket/get", params={"type": "agent_config"})
        else:
            data = self.call("GET", "cgi-bin/get_jsapi_ticket")
        ticket = str(data.get("ticket") or "")
        if not ticket:
            raise WeChatError(-1, "no ticket in the answer")
        expires_in = int(data.get("expires_in") or 7200)
        cache.set(key, ticket, max(expires_in - min(300, expires_in // 10), 1))
        return ticket

    def get_external_contact(self, external_userid: str) -> dict:
        """The customer's profile (name, unionid when the enterprise has an open platform)."""
        data = self.call("GET", "cgi-bin/externalcontact/get", params={"external_userid": external_userid})
        return data["external_contact"]

    def add_corp_tags(self, *, group_name: str, names: list[str]) -> list[dict]:
        body = {"group_name": group_name, "tag": [{"name": name} for name in names]}
        return self.call("POST", "cgi-bin/externalcontact/add_corp_tag", body=body)["tag_group"]["tag"]

    def mark_tags(
        self, *, userid: str, external_userid: str, add: list[str], remove: list[str] | None = None
    ) -> None:
        body = {
            "userid": userid,
            "external_userid": external_userid,
            "add_tag": add,
            "remove_tag": remove or [],
        }
        self.call("POST", "cgi-bin/externalcontact/mark_tag", body=body)

    def add_msg_template(self, *, sender: str, external_userids: list[str], text: str) -> dict:
        """Create a mass-send task for one salesperson; they confirm it in their WeCom client."""
        body = {
            "chat_type": "single",
            "sender": sender,
            "external_userid": external_userids,
            "text": {"content": text},
        }
        data = self.call("POST", "cgi-bin/externalcontact/add_msg_template", body=body)
        return {"msgid": data["msgid"], "fail_list": data.get("fail_list") or []}

    def groupmsg_send_result(self, *, msgid: str, userid: str) -> list[dict]:
        body = {"msgid": msgid, "userid": userid, "limit": 1000}
        return (
            self.call("POST", "cgi-bin/externalcontact/get_groupmsg_send_result", body=body).get("send_list")
            or []
        )

    def send_app_message(self, *, agent_id: str, userid: str, text: str) -> str:
        body = {"touser": userid, "msgtype": "text", "agentid": int(agent_id), "text": {"content": text}}
        return str(self.call("POST", "cgi-bin/message/send", body=body).get("msgid") or "")


def jssdk_signature(*, ticket: str, nonce: str, timestamp: int, url: str) -> str:
    """WeCom/WeChat JS-SDK signature: sha1 of ``jsapi_ticket=…&noncestr=…&timestamp=…&url=…``
    (the page URL without its ``#`` fragment)."""
    url = url.split("#", 1)[0]
    plain = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode()).hexdigest()


class CallbackError(Exception):
    """A WeCom callback that fails signature verification or cannot be decrypted/parsed."""


class CallbackCrypto:
    """WeCom callback verification and decryption (msg_signature over sorted
    token/timestamp/nonce/encrypt; AES-256-CBC with PKCS#7), via wechatpy's implementation."""

    MAX_BODY = 64 * 1024

    def __init__(self, *, token: str, encoding_aes_key: str, corp_id: str):
        if not (token and encoding_aes_key and corp_id):
            raise NotConfigured("WeCom callback")
        from wechatpy.enterprise.crypto import WeChatCrypto

        self._crypto = WeChatCrypto(token, encoding_aes_key, corp_id)

    def verify_url(self, *, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The GET handshake: answer with the decrypted ``echostr``."""
        try:
            return self._crypto.check_signature(msg_signature, timestamp, nonce, echostr)
        except Exception as error:  # noqa: BLE001 - wechatpy raises several types
            raise CallbackError(type(error).__name__)

    def decrypt(self, *, msg_signature: str, timestamp: str, nonce: str, body: bytes) -> dict[str, str]:
        if len(body) > self.MAX_BODY:
            raise CallbackError("body too large")
        try:
            plain = self._crypto.decrypt_message(body.decode(), msg_signature, timestamp, nonce)
            root = ElementTree.fromstring(plain)
        except Exception as error:  # noqa: BLE001 - bad signature, bad padding, bad XML alike
            raise CallbackError(type(error).__name__)
        return {child.tag: (child.text or "") for child in root}


# --- resolving clients for an enterprise -----------------------------------------------------------


def _base(account, setting_name: str, host: str) -> str:
    configured = getattr(settings, setting_name, "")
    if configured:
        return configured
    if account is not None and account.is_demo:
        from .fake_server import demo_server

        return demo_server().url
    return host


def mini_program_client(account) -> MiniProgramClient:
    """The mini-program client of an enterprise's :class:`~wechat.models.WeChatAccount`."""
    if account is None:
        raise NotConfigured("The mini-program")
    base = _base(account, "WECHAT_API_BASE", WECHAT_HOST)
    return MiniProgramClient(Credentials("wechat", account.mini_app_id, account.mini_app_secret, base))


def official_account_client(account) -> MiniProgramClient:
    if account is None:
        raise NotConfigured("The official account")
    base = _base(account, "WECHAT_API_BASE", WECHAT_HOST)
    return MiniProgramClient(
        Credentials("wechat", account.official_app_id, account.official_app_secret, base)
    )


def wecom_client(account, *, app: bool = False) -> WeComClient:
    """Customer-contact client, or (``app=True``) the self-built app client for app messages."""
    if account is None:
        raise NotConfigured("WeCom")
    base = _base(account, "WECOM_API_BASE", WECOM_HOST)
    secret = account.agent_secret if app else account.contact_secret
    return WeComClient(Credentials("wecom", account.corp_id, secret, base))


def callback_crypto(account) -> CallbackCrypto:
    if account is None:
        raise NotConfigured("WeCom callback")
    return CallbackCrypto(
        token=account.callback_token, encoding_aes_key=account.encoding_aes_key, corp_id=account.corp_id
    )
