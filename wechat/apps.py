from django.apps import AppConfig


class WechatConfig(AppConfig):
    name = "wechat"
    label = "wechat"
    verbose_name = "WeChat and WeCom"
