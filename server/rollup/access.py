"""Who may do what with sign-offs (上报): each rule said once, for the route (``bp.roles``) and the service."""

from server.access import Rule

SIGN_OFF = Rule("reviewer", message="只有审核员可以上报汇总")
REVIEW_SIGNOFFS = Rule("reviewer", message="只有审核员可以审核上报")
