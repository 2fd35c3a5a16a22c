"""Menu items that show only to users whose views would let them in.

A menu entry that leads to "no permission" is a defect the demo crawl finds; these items
ask the same questions as the views they link to (an enterprise, the whole enterprise, a
permission), so the menu and the view cannot disagree.
"""

from __future__ import annotations

from wagtail.admin.menu import MenuItem

from .selectors import enterprise_for_user, scope_for_user


class EnterpriseMenuItem(MenuItem):
    """Shown to members of an enterprise; ``whole_enterprise`` also asks for an admin's scope."""

    def __init__(self, *args, whole_enterprise: bool = False, permission: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.whole_enterprise = whole_enterprise
        self.permission = permission

    def is_shown(self, request) -> bool:
        user = request.user
        if enterprise_for_user(user) is None:
            return False
        if self.whole_enterprise and not scope_for_user(user).sees_whole_enterprise:
            return False
        return self.permission is None or user.has_perm(self.permission)
