"""Who may read the audit trail: the rule said once, for the route (``bp.roles``) and the service."""

from server.access import Rule

READ_AUDIT = Rule("reviewer", "admin", message="只有审核员和管理员可以查看审计记录")
