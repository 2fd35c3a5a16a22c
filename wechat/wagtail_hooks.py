"""Wagtail admin: WeChat settings with the authorization checklist (WX-2), channel codes, tags,
mass messages with per-salesperson stats, a salesperson's to-dos and chats (IM-1)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet

from enterprises.selectors import enterprise_for_user, scope_for_user
from enterprises.viewsets import EnterpriseSnippetViewSet

from . import adapter, menu, selectors, services
from .forms import (
    ChannelCodeForm,
    ChatReplyForm,
    ExternalTagForm,
    MassMessageForm,
    MenuForm,
    MyWeChatForm,
    SalespersonWeChatForm,
    WeChatAccountForm,
)
from .models import (
    ChannelCode,
    ChatMessage,
    ExternalContact,
    ExternalTag,
    MassMessage,
    MassMessageRecipient,
    MassMessageTask,
    SalespersonWeChat,
    WeChatAccount,
)


def _admin_enterprise(request):
    """The enterprise of an owner/admin; others may not manage WeChat settings."""
    enterprise = enterprise_for_user(request.user)
    if enterprise is None or not scope_for_user(request.user).sees_whole_enterprise:
        raise PermissionDenied
    return enterprise


def settings_view(request):
    enterprise = _admin_enterprise(request)
    account, _ = WeChatAccount.objects.get_or_create(enterprise=enterprise)
    form = WeChatAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and "verify" in request.POST:
        results = _verify(account)
        for what, error in results:
            if error:
                messages.error(request, f"{what}: {error}")
            else:
                messages.success(request, f"{what}: credentials work.")
        return redirect("wechat_settings")
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "WeChat settings saved.")
        return redirect("wechat_settings")
    return TemplateResponse(
        request,
        "wechat/settings.html",
        {
            "form": form,
            "checklist": selectors.authorization_checklist(enterprise=enterprise),
            "account": account,
        },
    )


def _verify(account: WeChatAccount) -> list[tuple[str, str]]:
    """Fetch an access token with each set of credentials; record which work."""
    results = []
    now = timezone.now()
    checks = [
        ("Mini-program", adapter.mini_program_client, "mini_verified_at", {}),
        (_("Official account"), adapter.official_account_client, "official_verified_at", {}),
        ("WeCom", adapter.wecom_client, "wecom_verified_at", {}),
    ]
    for label, factory, field, kwargs in checks:
        try:
            factory(account, **kwargs).access_token()
        except adapter.WeChatError as error:
            setattr(account, field, None)
            results.append((label, error.errmsg))
        else:
            setattr(account, field, now)
            results.append((label, ""))
    account.save(update_fields=["mini_verified_at", "official_verified_at", "wecom_verified_at"])
    return results


def channels_view(request):
    enterprise = _admin_enterprise(request)
    form = ChannelCodeForm(request.POST or None, enterprise=enterprise, prefix="channel")
    tag_form = ExternalTagForm(request.POST or None, prefix="tag")
    if request.method == "POST" and "tag-names" in request.POST and tag_form.is_valid():
        try:
            services.external_tags_create(
                enterprise=enterprise,
                group_name=tag_form.cleaned_data["group_name"],
                names=tag_form.cleaned_data["names"].split(","),
            )
            messages.success(request, _("Tags created."))
            return redirect("wechat_channels")
        except services.WeChatServiceError as error:
            messages.error(request, str(error))
    elif request.method == "POST" and "channel-name" in request.POST and form.is_valid():
        try:
            services.channel_code_create(
                enterprise=enterprise,
                name=form.cleaned_data["name"],
                salespeople=list(form.cleaned_data["salespeople"]),
                welcome_message=form.cleaned_data["welcome_message"],
                tags=list(form.cleaned_data["tags"]),
            )
            messages.success(request, _("Channel code created."))
            return redirect("wechat_channels")
        except services.WeChatServiceError as error:
            messages.error(request, str(error))
    channels = ChannelCode.objects.filter(enterprise=enterprise).prefetch_related("salespeople", "tags")
    return TemplateResponse(
        request,
        "wechat/channels.html",
        {
            "form": form,
            "tag_form": tag_form,
            "channels": channels,
            "tags": ExternalTag.objects.filter(enterprise=enterprise),
        },
    )


def mass_list_view(request):
    enterprise = _admin_enterprise(request)
    scope = scope_for_user(request.user)
    form = MassMessageForm(request.POST or None, scope=scope, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                message = services.mass_message_create(
                    scope=scope,
                    enterprise=enterprise,
                    by=request.user,
                    content=data["content"],
                    filters=services.MassFilters(
                        tag_ids=tuple(tag.pk for tag in data["tags"]),
                        salesperson_ids=tuple(person.pk for person in data["salespeople"]),
                        added_after=data["added_after"],
                        added_before=data["added_before"],
                    ),
                )
                services.mass_message_send(mass_message=message)
        except services.WeChatServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Mass message created: each salesperson has a to-do in WeCom."))
            return redirect("wechat_mass_detail", message.pk)
    mass = MassMessage.objects.filter(enterprise=enterprise)[:50]
    return TemplateResponse(request, "wechat/mass_list.html", {"form": form, "mass_messages": mass})


def mass_detail_view(request, pk: int):
    enterprise = _admin_enterprise(request)
    message = get_object_or_404(MassMessage, pk=pk, enterprise=enterprise)
    if request.method == "POST":
        for task in message.tasks.filter(status=MassMessageTask.Status.SUBMITTED):
            try:
                services.mass_message_task_sync(task_id=task.pk)
            except services.WeChatServiceError as error:
                messages.error(request, f"{task.salesperson}: {error}")
        return redirect("wechat_mass_detail", pk)
    stats = selectors.mass_message_stats(scope=scope_for_user(request.user), mass_message=message)
    refused = (
        MassMessageRecipient.objects.filter(task__mass_message=message)
        .exclude(reason="")
        .select_related("contact", "task__salesperson")[:200]
    )
    return TemplateResponse(
        request, "wechat/mass_detail.html", {"message": message, "stats": stats, "refused": refused}
    )


def menu_view(request):
    """Build, preview, validate and push the official-account menu (WX-4); admins only."""
    import json

    from django.core.exceptions import ValidationError

    enterprise = _admin_enterprise(request)
    account = WeChatAccount.objects.filter(enterprise=enterprise).first()
    form = MenuForm(request.POST or None, enterprise=enterprise)
    buttons, menu_errors, status = None, {}, 200
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "preview")
        if action == "generate":
            buttons = menu.menu_generate(
                enterprise=enterprise,
                salesperson=form.cleaned_data["salesperson"],
                articles=form.cleaned_data["articles"],
            )
            data = request.POST.copy()
            data["menu"] = json.dumps(buttons, ensure_ascii=False, indent=2)
            form = MenuForm(data, enterprise=enterprise)
            form.is_valid()
        else:
            buttons = form.cleaned_data["menu"]
            if buttons is None:
                form.add_error("menu", "Generate or write a menu first.")
            else:
                try:
                    if action == "push":
                        menu.menu_push(account=account, buttons=buttons)
                    else:
                        menu.menu_validate(buttons)
                except ValidationError as error:
                    menu_errors = error.message_dict
                except adapter.WeChatError as error:
                    messages.error(request, f"WeChat refused the menu: {error.errmsg}")
                else:
                    if action == "push":
                        messages.success(request, _("Menu pushed to the official account."))
                    else:
                        messages.success(request, _("The menu is valid."))
    if request.method == "POST" and (form.errors or menu_errors):
        status = 400
    return TemplateResponse(
        request,
        "wechat/menu.html",
        {
            "form": form,
            "buttons": buttons if isinstance(buttons, list) else None,
            "menu_errors": sorted(menu_errors.items()),
            "account": account,
        },
        status=status,
    )


def _own_salesperson(request):
    salesperson = getattr(request.user, "salesperson", None)
    if salesperson is None:
        raise PermissionDenied
    return salesperson


def my_wechat_view(request):
    """A salesperson picks their notification channel (TRK-4) and chat greeting."""
    salesperson = _own_salesperson(request)
    profile, _ = SalespersonWeChat.objects.get_or_create(
        salesperson=salesperson, defaults={"enterprise_id": salesperson.enterprise_id}
    )
    form = MyWeChatForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return redirect("wechat_me")
    return TemplateResponse(request, "wechat/me.html", {"form": form, "profile": profile})


def todos_view(request):
    salesperson = _own_salesperson(request)
    tasks = (
        MassMessageTask.objects.filter(salesperson=salesperson)
        .select_related("mass_message")
        .annotate(customers=Count("recipients"))
        .order_by("-mass_message__created_at")[:100]
    )
    return TemplateResponse(request, "wechat/todos.html", {"tasks": tasks})


def chat_list_view(request):
    salesperson = _own_salesperson(request)
    conversations = selectors.conversations_for_salesperson(salesperson=salesperson)[:200]
    return TemplateResponse(request, "wechat/chat_list.html", {"conversations": conversations})


def chat_detail_view(request, pk: int):
    salesperson = _own_salesperson(request)
    conversation = selectors.conversation_for_party(conversation_id=pk, salesperson=salesperson)
    if conversation is None:
        raise PermissionDenied
    form = ChatReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.chat_message_send(
                conversation=conversation,
                sender=ChatMessage.Sender.SALESPERSON,
                body=form.cleaned_data["body"],
            )
        except services.WeChatServiceError as error:
            messages.error(request, str(error))
        return redirect("wechat_chat_detail", pk)
    services.conversation_mark_read(conversation=conversation, by=ChatMessage.Sender.SALESPERSON)
    chat = selectors.chat_messages(conversation=conversation, after_id=0, limit=100)
    return TemplateResponse(
        request, "wechat/chat_detail.html", {"conversation": conversation, "chat": chat, "form": form}
    )


@hooks.register("register_admin_urls")
def register_wechat_urls():
    return [
        path("wechat/settings/", settings_view, name="wechat_settings"),
        path("wechat/channels/", channels_view, name="wechat_channels"),
        path("wechat/mass/", mass_list_view, name="wechat_mass"),
        path("wechat/menu/", menu_view, name="wechat_menu"),
        path("wechat/mass/<int:pk>/", mass_detail_view, name="wechat_mass_detail"),
        path("wechat/todos/", todos_view, name="wechat_todos"),
        path("wechat/me/", my_wechat_view, name="wechat_me"),
        path("wechat/chat/", chat_list_view, name="wechat_chat"),
        path("wechat/chat/<int:pk>/", chat_detail_view, name="wechat_chat_detail"),
    ]


class AdminMenuItem(MenuItem):
    def is_shown(self, request):
        return (
            enterprise_for_user(request.user) is not None
            and scope_for_user(request.user).sees_whole_enterprise
        )


class SalespersonMenuItem(MenuItem):
    def is_shown(self, request):
        return getattr(request.user, "salesperson", None) is not None


@hooks.register("register_admin_menu_item")
def register_settings_menu_item():
    return AdminMenuItem(_("WeChat settings"), reverse("wechat_settings"), icon_name="cog", order=900)


@hooks.register("register_admin_menu_item")
def register_channels_menu_item():
    return AdminMenuItem(_("WeCom channels"), reverse("wechat_channels"), icon_name="link", order=901)


@hooks.register("register_admin_menu_item")
def register_mass_menu_item():
    return AdminMenuItem(_("Mass messages"), reverse("wechat_mass"), icon_name="mail", order=902)


@hooks.register("register_admin_menu_item")
def register_oa_menu_menu_item():
    return AdminMenuItem(_("Official-account menu"), reverse("wechat_menu"), icon_name="list-ul", order=903)


@hooks.register("register_admin_menu_item")
def register_chat_menu_item():
    return SalespersonMenuItem(_("Chats"), reverse("wechat_chat"), icon_name="comment", order=310)


@hooks.register("register_admin_menu_item")
def register_me_menu_item():
    return SalespersonMenuItem(_("My WeChat"), reverse("wechat_me"), icon_name="user", order=312)


@hooks.register("register_admin_menu_item")
def register_todos_menu_item():
    return SalespersonMenuItem(_("Mass-send to-dos"), reverse("wechat_todos"), icon_name="tasks", order=311)


class ChecklistPanel(Component):
    """The authorization checklist (WX-2) on an admin's dashboard while steps are missing."""

    name = "wechat_checklist"
    order = 90

    def __init__(self, steps):
        self.steps = steps

    def render_html(self, parent_context=None):
        items = format_html_join(
            "",
            "<li><strong>{}</strong>: {}</li>",
            ((step.title, " ".join(step.missing)) for step in self.steps if not step.is_done),
        )
        return format_html(
            '<section class="panel summary nice-padding"><h2>WeChat set-up</h2><ul>{}</ul>'
            '<p><a href="{}">Open WeChat settings</a></p></section>',
            items,
            reverse("wechat_settings"),
        )


@hooks.register("construct_homepage_panels")
def add_checklist_panel(request, panels):
    enterprise = enterprise_for_user(request.user)
    if enterprise is None or not scope_for_user(request.user).sees_whole_enterprise:
        return
    steps = selectors.authorization_checklist(enterprise=enterprise)
    if not all(step.is_done for step in steps):
        panels.append(ChecklistPanel(steps))


SalespersonWeChat.base_form_class = SalespersonWeChatForm


class SalespersonWeChatViewSet(EnterpriseSnippetViewSet):
    model = SalespersonWeChat
    icon = "user"
    menu_label = _("WeChat profiles")
    list_display = ["salesperson", "wecom_userid", "notification_channel"]
    panels = [
        FieldPanel("salesperson"),
        FieldPanel("wecom_userid"),
        FieldPanel("openid"),
        FieldPanel("notification_channel"),
        FieldPanel("chat_welcome"),
    ]


class ExternalContactViewSet(EnterpriseSnippetViewSet):
    """WeCom customers: a salesperson sees their own, managers their subtree, admins all."""

    model = ExternalContact
    icon = "group"
    menu_label = _("WeCom customers")
    salesperson_field = "salesperson"
    list_display = ["name", "salesperson", "channel", "added_at", "removed_by"]
    search_fields = ["name", "external_userid"]
    panels = [FieldPanel("name")]


register_snippet(SalespersonWeChatViewSet)
register_snippet(ExternalContactViewSet)
