"""A local fake of WeChat's and WeCom's HTTP APIs, for tests and the credential-less demo.

It speaks the documented shapes: ``errcode``/``errmsg`` JSON, access tokens that expire
(``42001``), unknown tokens (``40001``), invalid or used login codes (``40029``/``40163``),
a PNG for ``wxa/getwxacodeunlimit``, and WeCom callbacks signed and AES-encrypted as WeCom
specifies. The encryption here is written from WeCom's spec independently of wechatpy (which
the adapter uses to decrypt), so a round trip checks both.

Run standalone: ``python -m wechat.fake_server --port 8910``; in tests: ``FakeServer().start()``.
Control endpoints under ``/_fake/`` let a test or a demo mint login codes, expire tokens,
simulate a customer scanning a channel QR code and a salesperson confirming a mass send.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import random
import secrets
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

ERRORS = {
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40058: "invalid parameter",
    40163: "code been used",
    40169: "invalid length for scene",
    41001: "access_token missing",
    41051: "invalid welcome_code",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    60111: "invalid userid",
    41048: "no valid external_userid",
}


def _error(code: int) -> dict:
    return {"errcode": code, "errmsg": ERRORS.get(code, "error")}


def _png(text: str) -> bytes:
    """A real PNG (a QR code of ``text``) so clients and tests can decode what they get."""
    import segno

    buffer = io.BytesIO()
    segno.make(text or "-", error="m").save(buffer, kind="png", scale=4)
    return buffer.getvalue()


def wecom_encrypt(*, token: str, aes_key: str, receive_id: str, message: str, timestamp: str, nonce: str):
    """WeCom's callback encryption: AES-256-CBC, IV = key[:16], PKCS#7 to 32-byte blocks,
    plaintext = 16 random bytes + 4-byte big-endian length + message + receive id;
    ``msg_signature`` = sha1 of the sorted (token, timestamp, nonce, encrypt)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(aes_key + "=")
    raw = message.encode()
    plain = os.urandom(16) + struct.pack(">I", len(raw)) + raw + receive_id.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    encrypted = base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
    signature = hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()
    return encrypted, signature


@dataclass
class Corp:
    corp_id: str
    secrets: set[str]
    token: str = ""
    aes_key: str = ""
    users: set[str] = field(default_factory=set)  # empty = any userid is valid


@dataclass
class FakeState:
    """Everything the fake remembers; tests read and change it directly."""

    #: appid -> secret (mini-program / official account); corp id -> Corp.
    apps: dict[str, str] = field(default_factory=dict)
    corps: dict[str, Corp] = field(default_factory=dict)
    #: Accept unknown apps/corps on first ``gettoken`` (standalone and demo use).
    auto_register: bool = False
    token_ttl: int = 7200
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (owner, expires)
    token_requests: int = 0
    login_codes: dict[str, dict] = field(default_factory=dict)
    used_codes: set[str] = field(default_factory=set)
    phone_codes: dict[str, str] = field(default_factory=dict)
    contact_ways: dict[str, dict] = field(default_factory=dict)
    welcome_codes: dict[str, dict] = field(default_factory=dict)
    tags: dict[str, dict] = field(default_factory=dict)  # tag id -> {group_name, name}
    marked: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    mass_messages: dict[str, dict] = field(default_factory=dict)
    external_contacts: dict[str, dict] = field(default_factory=dict)  # external_userid -> profile
    outbox: list[dict] = field(default_factory=list)  # every message "delivered"
    refusing_openids: set[str] = field(default_factory=set)
    calls: dict[str, int] = field(default_factory=dict)  # path -> requests served
    oauth_codes: dict[str, str] = field(default_factory=dict)  # WeCom OAuth code -> userid
    menus: dict[str, list] = field(default_factory=dict)  # token owner -> official-account menu
    jsapi_tickets: dict[str, str] = field(default_factory=dict)  # "corp:<id>|corp" or "|agent" -> ticket
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_login_code(self, *, appid: str, openid: str, unionid: str = "") -> str:
        code = "c" + secrets.token_hex(12)
        self.login_codes[code] = {"appid": appid, "openid": openid, "unionid": unionid}
        return code

    def issue_oauth_code(self, userid: str) -> str:
        code = "o" + secrets.token_hex(12)
        self.oauth_codes[code] = userid
        return code

    def issue_phone_code(self, phone: str) -> str:
        code = "p" + secrets.token_hex(12)
        self.phone_codes[code] = phone
        return code

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {token: (owner, 0.0) for token, (owner, _) in self.tokens.items()}

    def sent(self, kind: str) -> list[dict]:
        return [message for message in self.outbox if message["kind"] == kind]

    # -- token bookkeeping -------------------------------------------------------------------

    def _new_token(self, owner: str) -> dict:
        with self.lock:
            self.token_requests += 1
            token = secrets.token_urlsafe(24)
            self.tokens[token] = (owner, time.time() + self.token_ttl)
        return {"access_token": token, "expires_in": self.token_ttl}

    def owner_of(self, token: str | None) -> tuple[str | None, dict | None]:
        if not token:
            return None, _error(41001)
        found = self.tokens.get(token)
        if found is None:
            return None, _error(40001)
        owner, expires = found
        if expires <= time.time():
            return None, _error(42001)
        return owner, None


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeWeChat/1.0"

    def log_message(self, *args) -> None:  # quiet
        pass

    @property
    def state(self) -> FakeState:
        return self.server.state  # type: ignore[attr-defined]

    def _reply(self, payload, status: int = 200, content_type: str = "application/json") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlparse(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        body = self._body() if method == "POST" else {}
        route = ROUTES.get(url.path)
        with self.state.lock:
            self.state.calls[url.path] = self.state.calls.get(url.path, 0) + 1
        if route is None:
            self._reply({"errcode": 404, "errmsg": "not found"}, status=404)
            return
        handler, needs_token = route
        owner = None
        if needs_token:
            owner, error = self.state.owner_of(query.get("access_token"))
            if error:
                self._reply(error)
                return
        result = handler(self.state, query=query, body=body, owner=owner)
        if isinstance(result, bytes):
            self._reply(result, content_type="image/png")
        else:
            self._reply(result)


# --- WeChat (mini-program / official account) -----------------------------------------------


def _wechat_token(state: FakeState, *, query, **_) -> dict:
    appid, secret = query.get("appid", ""), query.get("secret", "")
    if appid not in state.apps:
        if not (state.auto_register and appid and secret):
            return _error(40013)
        state.apps[appid] = secret
    if state.apps[appid] != secret:
        return _error(40001)
    return state._new_token(f"app:{appid}")


def _jscode2session(state: FakeState, *, query, **_) -> dict:
    appid, secret, code = query.get("appid", ""), query.get("secret", ""), query.get("js_code", "")
    if appid not in state.apps and not state.auto_register:
        return _error(40013)
    if appid in state.apps and state.apps[appid] != secret:
        return {"errcode": 40125, "errmsg": "invalid appsecret"}
    with state.lock:
        if code in state.used_codes:
            return _error(40163)
        found = state.login_codes.pop(code, None)
        if found is None and state.auto_register and code.startswith("demo-"):
            # Demo codes: ``demo-<name>`` always logs in the same person.
            name = code[5:] or "visitor"
            digest = hashlib.sha1(f"{appid}:{name}".encode()).hexdigest()
            found = {"appid": appid, "openid": "o" + digest[:27], "unionid": "u" + digest[-27:]}
        if found is None or found["appid"] != appid:
            return _error(40029)
        if not code.startswith("demo-"):
            state.used_codes.add(code)
    result = {"openid": found["openid"], "session_key": base64.b64encode(os.urandom(16)).decode()}
    if found.get("unionid"):
        result["unionid"] = found["unionid"]
    return result


def _phone_number(state: FakeState, *, body, owner, **_) -> dict:
    code = str(body.get("code") or "")
    with state.lock:
        phone = state.phone_codes.pop(code, None)
    if phone is None and state.auto_register and code.startswith("demo-"):
        phone = "138" + str(int(hashlib.sha1(code.encode()).hexdigest(), 16))[:8]
    if phone is None:
        return _error(40029)
    appid = owner.split(":", 1)[1]
    return {
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": phone,
            "purePhoneNumber": phone,
            "countryCode": "86",
            "watermark": {"timestamp": int(time.time()), "appid": appid},
        },
    }


def _wxacode_unlimited(state: FakeState, *, body, owner, **_):
    scene = str(body.get("scene") or "")
    if not scene or len(scene) > 32:
        return _error(40169)
    return _png(f"{owner}|{body.get('page') or ''}|{scene}")


def _subscribe_send(state: FakeState, *, body, owner, **_) -> dict:
    touser = str(body.get("touser") or "")
    if not touser or not body.get("template_id"):
        return _error(40003 if not touser else 40058)
    if touser in state.refusing_openids:
        return _error(43101)
    msgid = random.randint(10**9, 10**10)
    state.outbox.append({"kind": "subscribe", "owner": owner, "msgid": msgid, **body})
    return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


# --- WeCom -------------------------------------------------------------------------------------


def _wecom_token(state: FakeState, *, query, **_) -> dict:
    corp_id, secret = query.get("corpid", ""), query.get("corpsecret", "")
    corp = state.corps.get(corp_id)
    if corp is None:
        if not (state.auto_register and corp_id and secret):
            return _error(40013)
        corp = state.corps[corp_id] = Corp(corp_id=corp_id, secrets={secret})
    if secret not in corp.secrets:
        if not state.auto_register:
            return _error(40001)
        corp.secrets.add(secret)
    return {"errcode": 0, "errmsg": "ok", **state._new_token(f"corp:{corp_id}")}


def _corp(state: FakeState, owner: str) -> Corp:
    return state.corps[owner.split(":", 1)[1]]


def _add_contact_way(state: FakeState, *, body, owner, **_) -> dict:
    users = body.get("user") or []
    kind = body.get("type")
    if kind not in (1, 2) or not isinstance(users, list) or not users or (kind == 1 and len(users) != 1):
        return _error(40058)
    corp = _corp(state, owner)
    if corp.users and any(user not in corp.users for user in users):
        return _error(60111)
    config_id = secrets.token_hex(16)
    state.contact_ways[config_id] = {
        "config_id": config_id,
        "corp": corp.corp_id,
        "type": kind,
        "scene": body.get("scene", 2),
        "user": list(users),
        "state": body.get("state", ""),
        "remark": body.get("remark", ""),
        "skip_verify": body.get("skip_verify", True),
        "qr_code": f"https://wework.fake/contact_me/{config_id}.png",
    }
    return {
        "errcode": 0,
        "errmsg": "ok",
        "config_id": config_id,
        "qr_code": state.contact_ways[config_id]["qr_code"],
    }


def _get_contact_way(state: FakeState, *, body, owner, **_) -> dict:
    way = state.contact_ways.get(str(body.get("config_id") or ""))
    if way is None or way["corp"] != _corp(state, owner).corp_id:
        return _error(40058)
    return {"errcode": 0, "errmsg": "ok", "contact_way": {k: v for k, v in way.items() if k != "corp"}}


def _update_contact_way(state: FakeState, *, body, owner, **_) -> dict:
    way = state.contact_ways.get(str(body.get("config_id") or ""))
    if way is None or way["corp"] != _corp(state, owner).corp_id:
        return _error(40058)
    for key in ("user", "state", "remark", "skip_verify"):
        if key in body:
            way[key] = body[key]
    return {"errcode": 0, "errmsg": "ok"}


def _send_welcome(state: FakeState, *, body, owner, **_) -> dict:
    with state.lock:
        found = state.welcome_codes.pop(str(body.get("welcome_code") or ""), None)
    if found is None:
        return _error(41051)
    state.outbox.append({"kind": "welcome", "owner": owner, **found, **body})
    return {"errcode": 0, "errmsg": "ok"}


def _get_external_contact(state: FakeState, *, query, **_) -> dict:
    found = state.external_contacts.get(query.get("external_userid", ""))
    if found is None:
        return _error(41048)
    return {"errcode": 0, "errmsg": "ok", "external_contact": found, "follow_user": []}


def _get_corp_tags(state: FakeState, **_) -> dict:
    groups: dict[str, dict] = {}
    for tag_id, tag in state.tags.items():
        group = groups.setdefault(
            tag["group_name"],
            {"group_id": "g" + tag["group_name"], "group_name": tag["group_name"], "tag": []},
        )
        group["tag"].append({"id": tag_id, "name": tag["name"]})
    return {"errcode": 0, "errmsg": "ok", "tag_group": list(groups.values())}


def _add_corp_tag(state: FakeState, *, body, **_) -> dict:
    group_name = str(body.get("group_name") or "default")
    created = []
    for tag in body.get("tag") or []:
        tag_id = "et" + secrets.token_hex(8)
        state.tags[tag_id] = {"group_name": group_name, "name": str(tag.get("name") or "")}
        created.append({"id": tag_id, "name": state.tags[tag_id]["name"]})
    return {"errcode": 0, "errmsg": "ok", "tag_group": {"group_name": group_name, "tag": created}}


def _mark_tag(state: FakeState, *, body, **_) -> dict:
    key = (str(body.get("userid") or ""), str(body.get("external_userid") or ""))
    if not all(key):
        return _error(40058)
    if any(tag not in state.tags for tag in body.get("add_tag") or []):
        return _error(40058)
    marked = state.marked.setdefault(key, set())
    marked.update(body.get("add_tag") or [])
    marked.difference_update(body.get("remove_tag") or [])
    return {"errcode": 0, "errmsg": "ok"}


def _add_msg_template(state: FakeState, *, body, owner, **_) -> dict:
    recipients = body.get("external_userid") or []
    sender = str(body.get("sender") or "")
    if not recipients or not sender:
        return _error(41048)
    msgid = "msg" + secrets.token_hex(10)
    state.mass_messages[msgid] = {
        "sender": sender,
        "text": (body.get("text") or {}).get("content", ""),
        "recipients": {external: 0 for external in recipients},
        "confirmed": False,
    }
    return {"errcode": 0, "errmsg": "ok", "fail_list": [], "msgid": msgid}


def _groupmsg_send_result(state: FakeState, *, body, **_) -> dict:
    message = state.mass_messages.get(str(body.get("msgid") or ""))
    if message is None:
        return _error(40058)
    send_list = [
        {
            "external_userid": external,
            "userid": message["sender"],
            "status": status,
            "send_time": int(time.time()) if status == 1 else 0,
        }
        for external, status in message["recipients"].items()
    ]
    return {"errcode": 0, "errmsg": "ok", "send_list": send_list}


def _app_message(state: FakeState, *, body, owner, **_) -> dict:
    if not body.get("touser") or not body.get("agentid"):
        return _error(40058)
    msgid = "am" + secrets.token_hex(8)
    state.outbox.append({"kind": "app_message", "owner": owner, "msgid": msgid, **body})
    return {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": msgid}


# --- fake-only controls ------------------------------------------------------------------------


def simulate_scan(
    state: FakeState,
    *,
    config_id: str,
    external_userid: str | None = None,
    name: str = "Customer",
    unionid: str = "",
    chosen_user: str | None = None,
) -> dict:
    """A customer scans a channel QR code: WeCom picks one of its salespeople at random and
    sends an ``add_external_contact`` callback (returned as ``{"query", "body"}``)."""
    way = state.contact_ways[config_id]
    corp = state.corps[way["corp"]]
    userid = chosen_user or random.choice(way["user"])
    external_userid = external_userid or "wm" + secrets.token_hex(12)
    welcome_code = "wc" + secrets.token_hex(10)
    state.welcome_codes[welcome_code] = {"userid": userid, "external_userid": external_userid}
    now = str(int(time.time()))
    event = (
        "<xml><ToUserName><![CDATA[{corp}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
        "<CreateTime>{now}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType>"
        "<UserID><![CDATA[{userid}]]></UserID><ExternalUserID><![CDATA[{external}]]></ExternalUserID>"
        "<State><![CDATA[{state}]]></State><WelcomeCode><![CDATA[{welcome}]]></WelcomeCode></xml>"
    ).format(
        corp=corp.corp_id,
        now=now,
        userid=userid,
        external=external_userid,
        state=way["state"],
        welcome=welcome_code,
    )
    state.external_contacts[external_userid] = {
        "external_userid": external_userid,
        "name": name,
        "type": 1,
        "unionid": unionid,
    }
    callback = callback_request(state, corp_id=corp.corp_id, message=event)
    callback.update({"userid": userid, "external_userid": external_userid, "name": name, "unionid": unionid})
    return callback


def simulate_relationship_change(
    state: FakeState, *, corp_id: str, change_type: str, userid: str, external_userid: str
) -> dict:
    """``del_external_contact`` (salesperson removed the customer) or
    ``del_follow_user`` (customer removed the salesperson)."""
    now = str(int(time.time()))
    event = (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[{change_type}]]></ChangeType>"
        f"<UserID><![CDATA[{userid}]]></UserID><ExternalUserID><![CDATA[{external_userid}]]></ExternalUserID></xml>"
    )
    return callback_request(state, corp_id=corp_id, message=event)


def callback_request(state: FakeState, *, corp_id: str, message: str) -> dict:
    """The query string and XML body WeCom POSTs to a callback URL for ``message``."""
    corp = state.corps[corp_id]
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    encrypted, signature = wecom_encrypt(
        token=corp.token,
        aes_key=corp.aes_key,
        receive_id=corp_id,
        message=message,
        timestamp=timestamp,
        nonce=nonce,
    )
    body = (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
    )
    return {"query": {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}, "body": body}


def confirm_mass_message(state: FakeState, *, msgid: str, status: int = 1) -> None:
    """The salesperson taps "send" in WeCom: every recipient gets ``status`` (1 sent)."""
    message = state.mass_messages[msgid]
    message["confirmed"] = True
    for external in message["recipients"]:
        message["recipients"][external] = status
        state.outbox.append(
            {"kind": "mass", "msgid": msgid, "external_userid": external, "text": message["text"]}
        )


def _fake_login_code(state: FakeState, *, body, **_) -> dict:
    return {
        "code": state.issue_login_code(
            appid=body["appid"], openid=body["openid"], unionid=body.get("unionid", "")
        )
    }


def _fake_oauth_code(state: FakeState, *, body, **_) -> dict:
    """A WeCom OAuth code for ``userid`` (what WeCom's redirect gives the sidebar)."""
    return {"code": state.issue_oauth_code(str(body.get("userid") or ""))}


def _fake_phone_code(state: FakeState, *, body, **_) -> dict:
    return {"code": state.issue_phone_code(str(body["phone"]))}


def _fake_expire(state: FakeState, **_) -> dict:
    state.expire_tokens()
    return {"errcode": 0}


def _fake_scan(state: FakeState, *, body, **_) -> dict:
    callback = simulate_scan(state, config_id=body["config_id"], name=body.get("name", "Customer"))
    target = body.get("callback_url")
    if target:
        import requests

        requests.post(f"{target}?{urlencode(callback['query'])}", data=callback["body"].encode(), timeout=5)
    return callback


def _fake_confirm(state: FakeState, *, body, **_) -> dict:
    confirm_mass_message(state, msgid=body["msgid"], status=int(body.get("status", 1)))
    return {"errcode": 0}


def _wecom_getuserinfo(state: FakeState, *, query, **_) -> dict:
    code = str(query.get("code") or "")
    with state.lock:
        userid = state.oauth_codes.pop(code, None)
    if userid is None:
        return _error(40029)
    return {"errcode": 0, "errmsg": "ok", "userid": userid}


def _menu_create(state: FakeState, *, body, owner, **_) -> dict:
    buttons = body.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return {"errcode": 40016, "errmsg": "invalid button size"}
    for button in buttons:
        if len(button.get("sub_button") or []) > 5:
            return {"errcode": 40017, "errmsg": "invalid sub button size"}
    with state.lock:
        state.menus[owner] = buttons
    return {"errcode": 0, "errmsg": "ok"}


def _jsapi_ticket(state: FakeState, owner: str, kind: str) -> dict:
    with state.lock:
        ticket = state.jsapi_tickets.setdefault(f"{owner}|{kind}", "t" + secrets.token_hex(16))
    return {"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": 7200}


def _corp_jsapi_ticket(state: FakeState, *, owner, **_) -> dict:
    return _jsapi_ticket(state, owner, "corp")


def _agent_jsapi_ticket(state: FakeState, *, owner, query, **_) -> dict:
    if query.get("type") != "agent_config":
        return _error(40004)
    return _jsapi_ticket(state, owner, "agent")


def _fake_outbox(state: FakeState, **_) -> dict:
    return {"outbox": state.outbox}


ROUTES = {
    "/cgi-bin/token": (_wechat_token, False),
    "/sns/jscode2session": (_jscode2session, False),
    "/wxa/business/getuserphonenumber": (_phone_number, True),
    "/wxa/getwxacodeunlimit": (_wxacode_unlimited, True),
    "/cgi-bin/message/subscribe/send": (_subscribe_send, True),
    "/cgi-bin/gettoken": (_wecom_token, False),
    "/cgi-bin/externalcontact/add_contact_way": (_add_contact_way, True),
    "/cgi-bin/externalcontact/get_contact_way": (_get_contact_way, True),
    "/cgi-bin/externalcontact/update_contact_way": (_update_contact_way, True),
    "/cgi-bin/externalcontact/send_welcome_msg": (_send_welcome, True),
    "/cgi-bin/externalcontact/get": (_get_external_contact, True),
    "/cgi-bin/externalcontact/get_corp_tag_list": (_get_corp_tags, True),
    "/cgi-bin/externalcontact/add_corp_tag": (_add_corp_tag, True),
    "/cgi-bin/externalcontact/mark_tag": (_mark_tag, True),
    "/cgi-bin/externalcontact/add_msg_template": (_add_msg_template, True),
    "/cgi-bin/externalcontact/get_groupmsg_send_result": (_groupmsg_send_result, True),
    "/cgi-bin/message/send": (_app_message, True),
    "/cgi-bin/auth/getuserinfo": (_wecom_getuserinfo, True),
    "/cgi-bin/menu/create": (_menu_create, True),
    "/cgi-bin/get_jsapi_ticket": (_corp_jsapi_ticket, True),
    "/cgi-bin/ticket/get": (_agent_jsapi_ticket, True),
    "/_fake/login-code": (_fake_login_code, False),
    "/_fake/phone-code": (_fake_phone_code, False),
    "/_fake/oauth-code": (_fake_oauth_code, False),
    "/_fake/expire-tokens": (_fake_expire, False),
    "/_fake/scan": (_fake_scan, False),
    "/_fake/confirm-mass": (_fake_confirm, False),
    "/_fake/outbox": (_fake_outbox, False),
}


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # bursts of concurrent workers in tests and benches
    daemon_threads = True


class FakeServer:
    """The fake on a loopback port in a daemon thread (port 0 = a free one)."""

    def __init__(self, *, port: int = 0, state: FakeState | None = None):
        self.state = state or FakeState()
        self.httpd = _Server(("127.0.0.1", port), _Handler)
        self.httpd.state = self.state  # type: ignore[attr-defined]
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="wechat-fake", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


_demo_server: FakeServer | None = None
_demo_lock = threading.Lock()


def demo_server() -> FakeServer:
    """The in-process fake used by demo accounts (started once per process, on first use)."""
    global _demo_server
    with _demo_lock:
        if _demo_server is None:
            _demo_server = FakeServer(state=FakeState(auto_register=True)).start()
        return _demo_server


def main() -> None:
    parser = argparse.ArgumentParser(description="Fake WeChat/WeCom API server on loopback.")
    parser.add_argument("--port", type=int, default=8910)
    parser.add_argument("--token-ttl", type=int, default=7200)
    args = parser.parse_args()
    server = FakeServer(port=args.port, state=FakeState(auto_register=True, token_ttl=args.token_ttl))
    print(f"fake WeChat/WeCom API on {server.url} (auto-registering apps and corps)", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
