"""Who may manage users: the rule said once, for the route (``bp.roles``) and the service."""

from server.access import Rule

MANAGE_USERS = Rule("admin", message="只有管理员可以管理用户")
