"""WeChat / WeCom credentials, external contacts, channel codes, mass messages and chat (WX-1, WX-2, IM-1)."""

from __future__ import annotations

from django.db import models


class WeChatAccount(models.Model):
    """An enterprise's WeChat and WeCom credentials and authorization state (one per enterprise).

    ``is_demo`` accounts talk to the in-process fake server; real accounts talk to WeChat's
    hosts (or to ``WECHAT_API_BASE``/``WECOM_API_BASE`` when set), see docs/wechat.md.
    """

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="wechat_account"
    )
    is_demo = models.BooleanField(
        default=False, help_text="Use the built-in fake WeChat/WeCom server (demo without credentials)."
    )
    # Official account (公众号)
    official_app_id = models.CharField("official account AppID", max_length=40, blank=True)
    official_app_secret = models.CharField("official account AppSecret", max_length=64, blank=True)
    # Mini-program (小程序)
    mini_app_id = models.CharField("mini-program AppID", max_length=40, blank=True)
    mini_app_secret = models.CharField("mini-program AppSecret", max_length=64, blank=True)
    mini_page = models.CharField(
        max_length=120, default="pages/share/index", help_text="Mini-program page opened by share QR codes."
    )
    # Open platform (开放平台) binding makes unionid available across the two.
    open_platform_app_id = models.CharField(max_length=40, blank=True)
    open_platform_bound = models.BooleanField(
        default=False,
        help_text="Both the official account and the mini-program are bound to the open platform.",
    )
    # Domain configuration (request/business domains registered in the mini-program console).
    configured_domains = models.TextField(
        blank=True, help_text="Domains registered as request and business domains, one per line."
    )
    subscribe_template_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="Subscription-message template for chat replies and visit notices.",
    )
    # WeCom (企业微信)
    corp_id = models.CharField("WeCom CorpID", max_length=40, blank=True)
    contact_secret = models.CharField("customer-contact Secret", max_length=64, blank=True)
    agent_id = models.CharField("app AgentId", max_length=20, blank=True)
    agent_secret = models.CharField("app Secret", max_length=64, blank=True)
    callback_token = models.CharField("callback Token", max_length=64, blank=True)
    encoding_aes_key = models.CharField("callback EncodingAESKey", max_length=43, blank=True)
    welcome_message = models.TextField(
        blank=True, help_text="Enterprise-wide welcome message for new WeCom contacts and new chats."
    )
    mini_verified_at = models.DateTimeField(null=True, blank=True)
    official_verified_at = models.DateTimeField(null=True, blank=True)
    wecom_verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "WeChat account"

    def __str__(self) -> str:
        return f"WeChat account of {self.enterprise}"


class NotificationChannel(models.TextChoices):
    INBOX = "inbox", "In-app inbox only"
    WECHAT = "wechat_subscribe", "WeChat subscription message"
    WECOM = "wecom_app", "WeCom app message"


class SalespersonWeChat(models.Model):
    """A salesperson's WeChat identities and chosen notification channel."""

    salesperson = models.OneToOneField(
        "enterprises.Salesperson", on_delete=models.CASCADE, related_name="wechat_profile"
    )
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    wecom_userid = models.CharField("WeCom UserID", max_length=64, blank=True, db_index=True)
    openid = models.CharField("mini-program openid", max_length=64, blank=True)
    notification_channel = models.CharField(
        max_length=20, choices=NotificationChannel.choices, default=NotificationChannel.INBOX
    )
    chat_welcome = models.TextField(
        blank=True, help_text="Greeting posted when a visitor first opens a chat."
    )

    class Meta:
        verbose_name = "salesperson WeChat profile"
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "wecom_userid"],
                condition=~models.Q(wecom_userid=""),
                name="uniq_wecom_userid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.salesperson} ({self.wecom_userid or 'no WeCom'})"


class ExternalTag(models.Model):
    """A WeCom customer tag (企业客户标签), mirrored with its WeCom id."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    group_name = models.CharField(max_length=60, default="default")
    name = models.CharField(max_length=60)
    wecom_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["group_name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "group_name", "name"], name="uniq_external_tag")
        ]

    def __str__(self) -> str:
        return f"{self.group_name}: {self.name}"


class ChannelCode(models.Model):
    """A WeCom channel QR code (渠道活码, contact_way) for one or several salespeople.

    With several salespeople WeCom assigns each scanning customer to one at random.
    """

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    salespeople = models.ManyToManyField("enterprises.Salesperson", related_name="channel_codes")
    welcome_message = models.TextField(blank=True, help_text="Overrides the enterprise welcome message.")
    tags = models.ManyToManyField(
        ExternalTag, blank=True, help_text="Tags given to customers added through it."
    )
    state = models.CharField(max_length=30, unique=True, help_text="Sent back by WeCom to name the channel.")
    config_id = models.CharField(max_length=64, blank=True)
    qr_code_url = models.URLField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class ExternalContact(models.Model):
    """A WeCom external contact (customer) of one salesperson."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", on_delete=models.CASCADE, related_name="external_contacts"
    )
    external_userid = models.CharField(max_length=64)
    name = models.CharField(max_length=80, blank=True)
    unionid = models.CharField(max_length=64, blank=True)
    visitor = models.ForeignKey(
        "trackers.Visitor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.ForeignKey(
        ChannelCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    tags = models.ManyToManyField(ExternalTag, blank=True, related_name="contacts")
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.CharField(max_length=20, blank=True, help_text="salesperson or customer")

    class Meta:
        ordering = ["-added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "salesperson", "external_userid"], name="uniq_external_contact"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.external_userid

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class RelationshipEvent(models.Model):
    """A relationship change reported by WeCom's callback (friend added or deleted, either side)."""

    class Kind(models.TextChoices):
        ADDED = "add_external_contact", "Customer added"
        REMOVED_BY_SALESPERSON = "del_external_contact", "Salesperson removed the customer"
        REMOVED_BY_CUSTOMER = "del_follow_user", "Customer removed the salesperson"
        EDITED = "edit_external_contact", "Contact edited"

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(ExternalContact, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.contact}"


class MassMessage(models.Model):
    """An enterprise mass message (企业群发) to customers picked by tag, owner and added time."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    content = models.TextField()
    filters = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.content[:40]


class MassMessageTask(models.Model):
    """The to-do of one salesperson: confirm the mass send to their own customers in WeCom."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be submitted"
        SUBMITTED = "submitted", "Waiting for the salesperson to send"
        DONE = "done", "Sent"
        FAILED = "failed", "Failed"

    mass_message = models.ForeignKey(MassMessage, on_delete=models.CASCADE, related_name="tasks")
    salesperson = models.ForeignKey("enterprises.Salesperson", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    msgid = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mass_message", "salesperson"], name="uniq_mass_task")]

    def __str__(self) -> str:
        return f"{self.mass_message} → {self.salesperson}"


class MassMessageRecipient(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SUBMITTED = "submitted", "Submitted to WeCom"
        SENT = "sent", "Sent"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Not delivered"

    task = models.ForeignKey(MassMessageTask, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(ExternalContact, on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    external_userid = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=200, blank=True)
    counted_at = models.DateTimeField(
        null=True, blank=True, help_text="When it started counting against the monthly limit."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "contact"], name="uniq_mass_recipient")]
        indexes = [
            models.Index(fields=["enterprise", "external_userid", "counted_at"], name="mass_quota_idx")
        ]

    def __str__(self) -> str:
        return f"{self.external_userid} ({self.status})"


class Conversation(models.Model):
    """A chat between one visitor and one salesperson of an enterprise (IM-1)."""

    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey("trackers.Visitor", on_delete=models.CASCADE, related_name="conversations")
    salesperson = models.ForeignKey(
        "enterprises.Salesperson", on_delete=models.CASCADE, related_name="conversations"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    visitor_read_at = models.DateTimeField(null=True, blank=True)
    salesperson_read_at = models.DateTimeField(null=True, blank=True)
    #: Set when a reply notified the visitor; cleared when they read, so a burst of replies
    #: sends one subscription message.
    visitor_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["visitor", "salesperson"], name="uniq_conversation")]

    def __str__(self) -> str:
        return f"{self.visitor} ↔ {self.salesperson}"


class ChatMessage(models.Model):
    class Sender(models.TextChoices):
        VISITOR = "visitor", "Visitor"
        SALESPERSON = "salesperson", "Salesperson"
        SYSTEM = "system", "Welcome"

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        PHONE = "phone", "Shared phone number"
        WELCOME = "welcome", "Welcome"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=20, choices=Sender.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.body[:40]
