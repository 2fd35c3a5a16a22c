"""Visitors (TEN-3) and, with the tracking issue, share links, events and statistics."""

from django.db import models


class Visitor(models.Model):
    """A person opening shared content, per enterprise.

    Identified by WeChat unionid when known, else openid, else an anonymous device id.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="visitors"
    )
    unionid = models.CharField(max_length=64, blank=True, db_index=True)
    openid = models.CharField(max_length=64, blank=True, db_index=True)
    device_id = models.CharField(max_length=64, blank=True, db_index=True)
    phone = models.CharField(max_length=20, blank=True)
    nickname = models.CharField(max_length=80, blank=True)
    avatar_url = models.URLField(blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return self.nickname or self.phone or f"visitor {self.pk}"
