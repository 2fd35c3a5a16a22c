"""Admin forms of the WeChat app; every choice is confined to the user's enterprise."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from enterprises.models import Salesperson

from .models import ExternalTag, SalespersonWeChat, WeChatAccount

SECRET_FIELDS = (
    "official_app_secret",
    "mini_app_secret",
    "contact_secret",
    "agent_secret",
    "encoding_aes_key",
)


class WeChatAccountForm(forms.ModelForm):
    """Credentials; secrets are never echoed back (leave empty to keep the stored one)."""

    class Meta:
        model = WeChatAccount
        fields = [
            "is_demo",
            "official_app_id",
            "official_app_secret",
            "mini_app_id",
            "mini_app_secret",
            "mini_page",
            "subscribe_template_id",
            "open_platform_app_id",
            "open_platform_bound",
            "configured_domains",
            "corp_id",
            "contact_secret",
            "agent_id",
            "agent_secret",
            "callback_token",
            "encoding_aes_key",
            "welcome_message",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            self.fields[name].widget = forms.PasswordInput(render_value=False)
            self.fields[name].required = False
            if getattr(self.instance, name):
                self.fields[name].help_text = "Stored; leave empty to keep it."

    def clean_encoding_aes_key(self):
        value = self.cleaned_data.get("encoding_aes_key") or ""
        if value and len(value) != 43:
            raise forms.ValidationError(_("WeCom's EncodingAESKey has exactly 43 characters."))
        return value

    def save(self, commit: bool = True):
        for name in SECRET_FIELDS:
            if not self.cleaned_data.get(name):
                setattr(self.instance, name, self.initial.get(name, "") or getattr(self.instance, name))
        return super().save(commit=commit)


class SalespersonWeChatForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "salesperson" in self.fields:
            self.fields["salesperson"].queryset = Salesperson.objects.filter(
                enterprise_id=self.instance.enterprise_id
            )

    def clean_wecom_userid(self):
        userid = (self.cleaned_data.get("wecom_userid") or "").strip()
        taken = SalespersonWeChat.objects.filter(
            enterprise_id=self.instance.enterprise_id, wecom_userid=userid
        )
        if userid and taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another salesperson already has this WeCom UserID."))
        return userid


class ChannelCodeForm(forms.Form):
    name = forms.CharField(max_length=80)
    salespeople = forms.ModelMultipleChoiceField(
        queryset=Salesperson.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Several: WeCom assigns each customer to one of them at random."),
    )
    welcome_message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    tags = forms.ModelMultipleChoiceField(
        queryset=ExternalTag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salespeople"].queryset = Salesperson.objects.filter(
            enterprise=enterprise, is_active=True
        )
        self.fields["tags"].queryset = ExternalTag.objects.filter(enterprise=enterprise)


class ExternalTagForm(forms.Form):
    group_name = forms.CharField(max_length=60, initial="default")
    names = forms.CharField(max_length=500, help_text=_("Comma-separated tag names."))


class MassMessageForm(forms.Form):
    content = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    tags = forms.ModelMultipleChoiceField(
        queryset=ExternalTag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Customers with any of these tags (none: all)."),
    )
    salespeople = forms.ModelMultipleChoiceField(
        queryset=Salesperson.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Owned by these salespeople (none: all you can see)."),
    )
    added_after = forms.DateTimeField(
        label=_("Added after"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    added_before = forms.DateTimeField(
        label=_("Added before"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, scope, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = ExternalTag.objects.filter(enterprise=enterprise)
        self.fields["salespeople"].queryset = scope.salespeople()

    def clean(self):
        data = super().clean()
        after, before = data.get("added_after"), data.get("added_before")
        if after and before and after >= before:
            self.add_error("added_before", _("Must be after “added after”."))
        return data


class ChatReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class MyWeChatForm(forms.ModelForm):
    """What a salesperson chooses for themselves: notification channel and chat greeting."""

    class Meta:
        model = SalespersonWeChat
        fields = ["notification_channel", "chat_welcome"]


class MenuForm(forms.Form):
    """Official-account menu builder (WX-4): generation options and the button tree as JSON."""

    salesperson = forms.ModelChoiceField(
        queryset=Salesperson.objects.none(),
        required=False,
        help_text=_("Whose card the menu opens and whose share links it uses (empty: the enterprise's)."),
    )
    articles = forms.IntegerField(
        min_value=0, max_value=5, initial=3, help_text=_("How many recent articles to list (0-5).")
    )
    menu = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        help_text=_(
            'The button list as WeChat expects it ([...] or {"button": [...]}); edit before pushing.'
        ),
    )

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        people = Salesperson.objects.filter(enterprise=enterprise, is_active=True)
        self.fields["salesperson"].queryset = people

    def clean_menu(self):
        import json

        raw = self.cleaned_data["menu"].strip()
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError as error:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": error}) from error
        if isinstance(data, dict):
            data = data.get("button")
        if not isinstance(data, list):
            raise forms.ValidationError(_('Expected a list of buttons or {"button": [...]}.'))
        return data
