"""Admin dashboard: the signed-in salesperson's visitor notifications (the inbox H5 visits fill).

The inbox itself (trackers.Notification, TRK-4) is readable by GraphQL; this panel shows the same
rows, through trackers' own scoped selector, to a salesperson who works in the Wagtail admin.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from wagtail import hooks
from wagtail.admin.ui.components import Component

from enterprises.selectors import scope_for_user
from trackers.selectors import notification_inbox, notification_unread_count

PANEL_SIZE = 10


class NotificationsPanel(Component):
    name = "visitor_notifications"
    order = 40

    def __init__(self, notifications, unread: int):
        self.notifications = notifications
        self.unread = unread

    def render_html(self, parent_context=None):
        items = format_html_join(
            "",
            '<li data-kind="{}"{}><strong>{}</strong> <time datetime="{}">{}</time><br>{}</li>',
            (
                (
                    n.kind,
                    " data-unread" if n.read_at is None else "",
                    n.title,
                    n.created_at.isoformat(),
                    n.created_at.strftime("%Y-%m-%d %H:%M"),
                    n.body,
                )
                for n in self.notifications
            ),
        )
        empty = "" if self.notifications else format_html('<p class="help-block">No notifications yet.</p>')
        return format_html(
            '<section class="panel summary nice-padding" id="visitor-notifications">'
            "<h2>Visitor notifications ({} unread)</h2><ul>{}</ul>{}</section>",
            self.unread,
            items,
            empty,
        )


@hooks.register("construct_homepage_panels")
def add_notifications_panel(request, panels):
    scope = scope_for_user(request.user)
    if scope.salesperson_id is None:
        return
    panels.append(
        NotificationsPanel(
            notification_inbox(scope=scope, limit=PANEL_SIZE), notification_unread_count(scope=scope)
        )
    )
