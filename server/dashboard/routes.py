from flask import Blueprint

from server.api import doc
from server.auth.access import current_actor
from server.dashboard import service
from server.dashboard.schemas import DashboardOut

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@doc(response=DashboardOut)
def get_dashboard():
    """The caller's dashboard: live real events with totals and completeness, open hazards, overdue villages."""
    return service.dashboard(actor=current_actor())
