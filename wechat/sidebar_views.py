"""WeCom chat sidebar H5 pages (WX-3): server-rendered, mobile-first, one signed cookie.

WeCom opens ``/wechat/sidebar/<enterprise key>/`` through its OAuth redirect (``?code=``); the code
becomes a signed session cookie. The current chat's external contact comes from the JS-SDK
(``getCurContExternalContact``) and is passed as ``?external_userid=`` (or picked from the list).
Every page reads the session from the cookie; a forged or stale cookie gets a 403 page and no data.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cms.scripts.models import ScriptGroup
from cms.scripts.selectors import script_library
from cms.scripts.services import script_use
from crm.models import FollowUp, Tag
from crm.services import CrmError, followup_create
from enterprises.client_address import client_address
from enterprises.selectors import enterprise_get_by_key
from enterprises.throttle import Limited, public_write_check
from trackers.selectors import visitor_timeline

from . import sidebar
from .models import WeChatAccount

OAUTH_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
TABS = ("scripts", "files", "articles")
EXTERNAL_USERID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _refused(request: HttpRequest, reason: str = "") -> HttpResponse:
    response = TemplateResponse(request, "wechat/sidebar/refused.html", {"reason": reason}, status=403)
    response.delete_cookie(sidebar.COOKIE, path="/wechat/sidebar/")
    return response


def _with_jssdk(request: HttpRequest, context: dict) -> dict:
    """Add the signed JS-SDK configuration of this page (and the JS-SDK script URL if set)."""
    context["jssdk"] = sidebar.sidebar_jssdk_config(
        enterprise_id=request.sidebar.enterprise_id, url=request.build_absolute_uri()
    )
    context["jssdk_script"] = getattr(settings, "WECOM_JSSDK_URL", "")
    return context


def sidebar_required(view):
    """Resolve the signed session from the cookie or answer 403 with no data."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            request.sidebar = sidebar.sidebar_session(request.COOKIES.get(sidebar.COOKIE, ""))
        except sidebar.SidebarRefused:
            return _refused(request, "Open the sidebar from a WeCom chat to sign in again.")
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
def sidebar_entry(request: HttpRequest, key: str) -> HttpResponse:
    """WeCom's OAuth redirect lands here with ``code``; without one we send the browser to WeCom."""
    enterprise = enterprise_get_by_key(key)
    account = WeChatAccount.objects.filter(enterprise=enterprise).first() if enterprise else None
    if account is None:
        raise Http404
    external_userid = request.GET.get("external_userid", "")
    code = request.GET.get("code", "")
    if not code:
        if not account.corp_id:
            return _refused(request, "WeCom is not configured for this enterprise.")
        back = request.build_absolute_uri(request.path)
        query = urlencode(
            {
                "appid": account.corp_id,
                "redirect_uri": back,
                "response_type": "code",
                "scope": "snsapi_base",
                "agentid": account.agent_id,
                "state": "sidebar",
            }
        )
        return redirect(f"{OAUTH_URL}?{query}#wechat_redirect")
    try:  # each code costs a call to WeCom: one address may not make us hammer it
        public_write_check("sidebar_oauth", client=client_address(request))
    except Limited as limited:
        response = _refused(
            request,
            gettext("Too many requests. Please try again in %(seconds)d seconds.")
            % {"seconds": limited.retry_after},
        )
        response.status_code = 429
        response["Retry-After"] = str(limited.retry_after)
        return response
    try:
        token = sidebar.sidebar_login(account=account, code=code)
    except sidebar.SidebarRefused:
        return _refused(request, "WeCom did not confirm who you are.")
    target = reverse("wechat:sidebar_home")
    if external_userid:
        target += "?" + urlencode({"external_userid": external_userid})
    response = redirect(target)
    response.set_cookie(
        sidebar.COOKIE,
        token,
        max_age=sidebar.MAX_AGE,
        path="/wechat/sidebar/",
        httponly=True,
        secure=request.is_secure(),
        samesite="Lax",
    )
    return response


@require_GET
@sidebar_required
def sidebar_home(request: HttpRequest) -> HttpResponse:
    """The chat's contact (when the JS-SDK told us) or the list of contacts in scope."""
    external_userid = request.GET.get("external_userid", "").strip()
    if external_userid:
        if not EXTERNAL_USERID.fullmatch(external_userid):
            raise Http404("No such contact")
        return redirect("wechat:sidebar_contact", external_userid=external_userid)
    contacts = sidebar.sidebar_contacts(request.sidebar)[:100]
    context = {"session": request.sidebar, "contacts": contacts}
    return TemplateResponse(request, "wechat/sidebar/home.html", _with_jssdk(request, context))


def _contact_context(request: HttpRequest, external_userid: str) -> dict:
    session = request.sidebar
    contact = sidebar.sidebar_contact(session=session, external_userid=external_userid)
    lead = sidebar.sidebar_lead(session=session, contact=contact)
    visitor = (lead.visitor if lead and lead.visitor_id else None) or contact.visitor
    timeline = visitor_timeline(scope=session.scope, visitor=visitor, limit=30) if visitor else []
    return {
        "session": session,
        "contact": contact,
        "lead": lead,
        "elsewhere": lead is None and sidebar.sidebar_lead_elsewhere(session=session, contact=contact),
        "timeline": timeline,
        "followups": list(lead.followups.select_related("salesperson")[:20]) if lead else [],
        "tags": list(lead.tags.all()) if lead else [],
        "all_tags": Tag.objects.filter(enterprise_id=session.enterprise_id) if lead else [],
        "statuses": FollowUp.Status.choices,
        "wecom_tags": list(contact.tags.all()),
        # A lead is found again by unionid or visitor; without either a new one could not be matched.
        "can_create": bool(contact.unionid or contact.visitor_id),
    }


@require_http_methods(["GET", "POST"])
@sidebar_required
def sidebar_contact_view(request: HttpRequest, external_userid: str) -> HttpResponse:
    """Customer detail, timeline, tags and follow-ups of the chat's contact; POST adds/changes them."""
    context = _contact_context(request, external_userid)
    errors: dict[str, str] = {}
    lead = context["lead"]
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "lead" and lead is None and not context["elsewhere"] and context["can_create"]:
            sidebar.sidebar_lead_create(session=request.sidebar, contact=context["contact"])
            return redirect(request.path)
        if lead is None:
            raise Http404("No customer record")
        if action == "tags":
            sidebar.sidebar_lead_tags_update(
                lead=lead, add=_ids(request.POST.getlist("add")), remove=_ids(request.POST.getlist("remove"))
            )
            return redirect(request.path)
        if action == "followup":
            errors = _followup_add(request, lead)
            if not errors:
                return redirect(request.path)
            context = _contact_context(request, external_userid)
        else:
            errors = {"action": "Unknown action."}
    context["errors"] = errors
    context["posted"] = request.POST if errors else {}
    context = _with_jssdk(request, context)
    return TemplateResponse(request, "wechat/sidebar/contact.html", context, status=400 if errors else 200)


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


def _followup_add(request: HttpRequest, lead) -> dict[str, str]:
    raw_next = request.POST.get("next_at", "").strip()
    next_at = None
    if raw_next:
        try:
            next_at = parse_datetime(raw_next)
        except ValueError:
            next_at = None
        if next_at is None:
            return {"next_at": "Use a date and time like 2026-12-01 10:00."}
    own = lead.salesperson_id == request.sidebar.salesperson.pk
    try:
        followup_create(
            lead=lead,
            salesperson=request.sidebar.salesperson if own else None,
            content=request.POST.get("content", ""),
            status=request.POST.get("status", FollowUp.Status.CONTACTED),
            next_at=next_at,
        )
    except CrmError as error:
        field = "content" if "happened" in str(error) else "status"
        return {field: error.args[1] if len(error.args) > 1 else str(error)}
    return {}


@require_GET
@sidebar_required
def sidebar_library(request: HttpRequest) -> HttpResponse:
    """Material library: sales scripts, files and articles with the salesperson's own share links."""
    session = request.sidebar
    tab = request.GET.get("tab", "scripts")
    tab = tab if tab in TABS else "scripts"
    search = request.GET.get("q", "").strip()[:80]
    group_id = request.GET.get("group", "")
    context = {"session": session, "tab": tab, "q": search, "tabs": TABS}
    if tab == "scripts":
        context["groups"] = ScriptGroup.objects.filter(enterprise_id=session.enterprise_id)
        context["group_id"] = int(group_id) if group_id.isdigit() else None
        context["items"] = list(
            script_library(salesperson=session.salesperson, search=search, group_id=context["group_id"])[:100]
        )
    elif tab == "files":
        context["items"] = sidebar.sidebar_files(session=session, search=search)
    else:
        context["items"] = sidebar.sidebar_articles(session=session, search=search)
    return TemplateResponse(request, "wechat/sidebar/library.html", _with_jssdk(request, context))


@require_POST
@sidebar_required
def sidebar_script_use(request: HttpRequest, pk: int) -> HttpResponse:
    """Count one copy/send of a script the salesperson may see (404 otherwise)."""
    try:
        script = script_use(script_id=pk, salesperson=request.sidebar.salesperson)
    except (ObjectDoesNotExist, ValidationError):
        raise Http404
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"id": script.pk, "use_count": script.use_count, "text": script.text})
    return redirect(reverse("wechat:sidebar_library") + "?tab=scripts")
