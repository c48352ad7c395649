"""Who may do what with damage reports: each rule said once, for the route (``bp.roles``) and the service."""

from server.access import Rule

FILE_REPORTS = Rule("reporter", message="只有信息员可以报送灾情")
REVIEW_REPORTS = Rule("reviewer", message="只有审核员可以审核灾情报告")
