from server.access import current_actor
from server.api import Blueprint
from server.dashboard import service
from server.dashboard.schemas import DashboardOut

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@bp.response(200, DashboardOut)
def get_dashboard():
    """The caller's dashboard: live real events with totals and completeness, open hazards, overdue villages."""
    return service.dashboard(actor=current_actor())
