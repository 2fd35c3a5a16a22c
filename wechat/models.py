"""WeChat / WeCom credentials, external contacts, channel codes, mass messages and chat (WX-1, WX-2, IM-1)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WeChatAccount(models.Model):
    """An enterprise's WeChat and WeCom credentials and authorization state (one per enterprise).

    ``is_demo`` accounts talk to the in-process fake server; real accounts talk to WeChat's
    hosts (or to ``WECHAT_API_BASE``/``WECOM_API_BASE`` when set), see docs/wechat.md.
    """

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="wechat_account",
        verbose_name=_("enterprise"),
    )
    is_demo = models.BooleanField(
        default=False,
        help_text=_("Use the built-in fake WeChat/WeCom server (demo without credentials)."),
        verbose_name=_("is demo"),
    )
    # Official account (公众号)
    official_app_id = models.CharField(_("official account AppID"), max_length=40, blank=True)
    official_app_secret = models.CharField(_("official account AppSecret"), max_length=64, blank=True)
    # Mini-program (小程序)
    mini_app_id = models.CharField(_("mini-program AppID"), max_length=40, blank=True)
    mini_app_secret = models.CharField(_("mini-program AppSecret"), max_length=64, blank=True)
    mini_page = models.CharField(
        max_length=120,
        default="pages/share/index",
        help_text=_("Mini-program page opened by share QR codes."),
        verbose_name=_("mini page"),
    )
    # Open platform (开放平台) binding makes unionid available across the two.
    open_platform_app_id = models.CharField(max_length=40, blank=True, verbose_name=_("open platform app id"))
    open_platform_bound = models.BooleanField(
        default=False,
        help_text=_("Both the official account and the mini-program are bound to the open platform."),
        verbose_name=_("open platform bound"),
    )
    # Domain configuration (request/business domains registered in the mini-program console).
    configured_domains = models.TextField(
        blank=True,
        help_text=_("Domains registered as request and business domains, one per line."),
        verbose_name=_("configured domains"),
    )
    subscribe_template_id = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("Subscription-message template for chat replies and visit notices."),
        verbose_name=_("subscribe template id"),
    )
    # WeCom (企业微信)
    corp_id = models.CharField(_("WeCom CorpID"), max_length=40, blank=True)
    contact_secret = models.CharField(_("customer-contact Secret"), max_length=64, blank=True)
    agent_id = models.CharField(_("app AgentId"), max_length=20, blank=True)
    agent_secret = models.CharField(_("app Secret"), max_length=64, blank=True)
    callback_token = models.CharField(_("callback Token"), max_length=64, blank=True)
    encoding_aes_key = models.CharField(_("callback EncodingAESKey"), max_length=43, blank=True)
    welcome_message = models.TextField(
        blank=True,
        help_text=_("Enterprise-wide welcome message for new WeCom contacts and new chats."),
        verbose_name=_("welcome message"),
    )
    mini_verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("mini verified at"))
    official_verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("official verified at"))
    wecom_verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("wecom verified at"))

    class Meta:
        verbose_name = _("WeChat account")
        verbose_name_plural = _("WeChat accounts")

    def __str__(self) -> str:
        return f"WeChat account of {self.enterprise}"


class NotificationChannel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox only")
    WECHAT = "wechat_subscribe", _("WeChat subscription message")
    WECOM = "wecom_app", _("WeCom app message")


class SalespersonWeChat(models.Model):
    """A salesperson's WeChat identities and chosen notification channel."""

    salesperson = models.OneToOneField(
        "enterprises.Salesperson",
        on_delete=models.CASCADE,
        related_name="wechat_profile",
        verbose_name=_("salesperson"),
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    wecom_userid = models.CharField(_("WeCom UserID"), max_length=64, blank=True, db_index=True)
    openid = models.CharField(_("mini-program openid"), max_length=64, blank=True)
    notification_channel = models.CharField(
        max_length=20,
        choices=NotificationChannel.choices,
        default=NotificationChannel.INBOX,
        verbose_name=_("notification channel"),
    )
    chat_welcome = models.TextField(
        blank=True,
        help_text=_("Greeting posted when a visitor first opens a chat."),
        verbose_name=_("chat welcome"),
    )

    class Meta:
        verbose_name = _("salesperson WeChat profile")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "wecom_userid"],
                condition=~models.Q(wecom_userid=""),
                name="uniq_wecom_userid",
            )
        ]
        verbose_name_plural = _("salesperson WeChat profiles")

    def __str__(self) -> str:
        return f"{self.salesperson} ({self.wecom_userid or 'no WeCom'})"


class ExternalTag(models.Model):
    """A WeCom customer tag (企业客户标签), mirrored with its WeCom id."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    group_name = models.CharField(max_length=60, default="default", verbose_name=_("group name"))
    name = models.CharField(max_length=60, verbose_name=_("name"))
    wecom_id = models.CharField(max_length=64, blank=True, verbose_name=_("wecom id"))

    class Meta:
        ordering = ["group_name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "group_name", "name"], name="uniq_external_tag")
        ]
        verbose_name = _("external tag")
        verbose_name_plural = _("external tags")

    def __str__(self) -> str:
        return f"{self.group_name}: {self.name}"


class ChannelCode(models.Model):
    """A WeCom channel QR code (渠道活码, contact_way) for one or several salespeople.

    With several salespeople WeCom assigns each scanning customer to one at random.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    name = models.CharField(max_length=80, verbose_name=_("name"))
    salespeople = models.ManyToManyField(
        "enterprises.Salesperson", related_name="channel_codes", verbose_name=_("salespeople")
    )
    welcome_message = models.TextField(
        blank=True,
        help_text=_("Overrides the enterprise welcome message."),
        verbose_name=_("welcome message"),
    )
    tags = models.ManyToManyField(
        ExternalTag,
        blank=True,
        help_text=_("Tags given to customers added through it."),
        verbose_name=_("tags"),
    )
    state = models.CharField(
        max_length=30,
        unique=True,
        help_text=_("Sent back by WeCom to name the channel."),
        verbose_name=_("state"),
    )
    config_id = models.CharField(max_length=64, blank=True, verbose_name=_("config id"))
    qr_code_url = models.URLField(max_length=300, blank=True, verbose_name=_("qr code url"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("channel code")
        verbose_name_plural = _("channel codes")

    def __str__(self) -> str:
        return self.name


class ExternalContact(models.Model):
    """A WeCom external contact (customer) of one salesperson."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        on_delete=models.CASCADE,
        related_name="external_contacts",
        verbose_name=_("salesperson"),
    )
    external_userid = models.CharField(max_length=64, verbose_name=_("external userid"))
    name = models.CharField(max_length=80, blank=True, verbose_name=_("name"))
    unionid = models.CharField(max_length=64, blank=True, verbose_name=_("unionid"))
    visitor = models.ForeignKey(
        "trackers.Visitor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("visitor"),
    )
    channel = models.ForeignKey(
        ChannelCode,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("channel"),
    )
    tags = models.ManyToManyField(ExternalTag, blank=True, related_name="contacts", verbose_name=_("tags"))
    added_at = models.DateTimeField(verbose_name=_("added at"))
    removed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("removed at"))
    removed_by = models.CharField(
        max_length=20, blank=True, help_text=_("salesperson or customer"), verbose_name=_("removed by")
    )

    class Meta:
        ordering = ["-added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "salesperson", "external_userid"], name="uniq_external_contact"
            )
        ]
        verbose_name = _("external contact")
        verbose_name_plural = _("external contacts")

    def __str__(self) -> str:
        return self.name or self.external_userid

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class RelationshipEvent(models.Model):
    """A relationship change reported by WeCom's callback (friend added or deleted, either side)."""

    class Kind(models.TextChoices):
        ADDED = "add_external_contact", _("Customer added")
        REMOVED_BY_SALESPERSON = "del_external_contact", _("Salesperson removed the customer")
        REMOVED_BY_CUSTOMER = "del_follow_user", _("Customer removed the salesperson")
        EDITED = "edit_external_contact", _("Contact edited")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    contact = models.ForeignKey(
        ExternalContact, on_delete=models.CASCADE, related_name="events", verbose_name=_("contact")
    )
    kind = models.CharField(max_length=30, choices=Kind.choices, verbose_name=_("kind"))
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("relationship event")
        verbose_name_plural = _("relationship events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.contact}"


class MassMessage(models.Model):
    """An enterprise mass message (企业群发) to customers picked by tag, owner and added time."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    created_by = models.ForeignKey(
        "auth.User", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    content = models.TextField(verbose_name=_("content"))
    filters = models.JSONField(default=dict, blank=True, verbose_name=_("filters"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mass message")
        verbose_name_plural = _("mass messages")

    def __str__(self) -> str:
        return self.content[:40]


class MassMessageTask(models.Model):
    """The to-do of one salesperson: confirm the mass send to their own customers in WeCom."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be submitted")
        SUBMITTED = "submitted", _("Waiting for the salesperson to send")
        DONE = "done", _("Sent")
        FAILED = "failed", _("Failed")

    mass_message = models.ForeignKey(
        MassMessage, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("mass message")
    )
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", on_delete=models.CASCADE, related_name="+", verbose_name=_("salesperson")
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    msgid = models.CharField(max_length=64, blank=True, verbose_name=_("msgid"))
    error = models.CharField(max_length=200, blank=True, verbose_name=_("error"))
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mass_message", "salesperson"], name="uniq_mass_task")]
        verbose_name = _("mass message task")
        verbose_name_plural = _("mass message tasks")

    def __str__(self) -> str:
        return f"{self.mass_message} → {self.salesperson}"


class MassMessageRecipient(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SUBMITTED = "submitted", _("Submitted to WeCom")
        SENT = "sent", _("Sent")
        REFUSED = "refused", _("Refused")
        FAILED = "failed", _("Not delivered")

    task = models.ForeignKey(
        MassMessageTask, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("task")
    )
    contact = models.ForeignKey(
        ExternalContact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    external_userid = models.CharField(max_length=64, db_index=True, verbose_name=_("external userid"))
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status")
    )
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    counted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When it started counting against the monthly limit."),
        verbose_name=_("counted at"),
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "contact"], name="uniq_mass_recipient")]
        indexes = [
            models.Index(fields=["enterprise", "external_userid", "counted_at"], name="mass_quota_idx")
        ]
        verbose_name = _("mass message recipient")
        verbose_name_plural = _("mass message recipients")

    def __str__(self) -> str:
        return f"{self.external_userid} ({self.status})"


class Conversation(models.Model):
    """A chat between one visitor and one salesperson of an enterprise (IM-1)."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    visitor = models.ForeignKey(
        "trackers.Visitor", on_delete=models.CASCADE, related_name="conversations", verbose_name=_("visitor")
    )
    salesperson = models.ForeignKey(
        "enterprises.Salesperson",
        on_delete=models.CASCADE,
        related_name="conversations",
        verbose_name=_("salesperson"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_message_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last message at"))
    visitor_read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("visitor read at"))
    salesperson_read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("salesperson read at"))
    #: Set when a reply notified the visitor; cleared when they read, so a burst of replies
    #: sends one subscription message.
    visitor_notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("visitor notified at"))

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["visitor", "salesperson"], name="uniq_conversation")]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return f"{self.visitor} ↔ {self.salesperson}"


class ChatMessage(models.Model):
    class Sender(models.TextChoices):
        VISITOR = "visitor", _("Visitor")
        SALESPERSON = "salesperson", _("Salesperson")
        SYSTEM = "system", _("Welcome")

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        PHONE = "phone", _("Shared phone number")
        WELCOME = "welcome", _("Welcome")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    sender = models.CharField(max_length=20, choices=Sender.choices, verbose_name=_("sender"))
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEXT, verbose_name=_("kind"))
    body = models.TextField(max_length=2000, verbose_name=_("body"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")

    def __str__(self) -> str:
        return self.body[:40]
