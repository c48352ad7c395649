"""Who may do what with the named ledgers (台账): each rule said once, for the route (``bp.roles``) and the
service."""

from server.access import Rule

FILE_LEDGER_ROWS = Rule("reporter", message="只有信息员可以登记台账")
CHANGE_LEDGER_ROWS = Rule("reporter", "reviewer", message="只有信息员和审核员可以更改台账")
REVIEW_LEDGER_ROWS = Rule("reviewer", message="只有审核员可以审核台账")
REVEAL_ID_NUMBERS = Rule("reviewer", message="只有县级审核员可以查看完整身份证号码")  # the level: may_reveal
