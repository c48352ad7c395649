"""Who may change the org units: the rule said once, for the route (``bp.roles``) and the service."""

from server.access import Rule

MAINTAIN_UNITS = Rule("admin", message="只有管理员可以维护行政区划")
