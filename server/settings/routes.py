from flask import current_app

from server.api import Blueprint
from server.events.models import DISASTER_TYPES
from server.settings.schemas import SettingsOut

bp = Blueprint("settings", __name__)


@bp.get("/settings")
@bp.response(200, SettingsOut)
def get_settings():
    """The deployment's settings a client needs (any logged-in user): the map's tile source, and the days a stable
    event leaves for the 核报 by 灾种 (what the desk says before it moves an event to 稳定)."""
    config = current_app.config
    by_type = config.get("DEADLINES_BY_TYPE") or {}
    return {
        "map_tile_url": config["MAP_TILE_URL"] or None,
        "map_tile_subdomains": config["MAP_TILE_SUBDOMAINS"] or "",
        "map_attribution": config["MAP_ATTRIBUTION"] or "",
        "final_report_days": {
            name: int((by_type.get(name) or {}).get("DEADLINE_FINAL_DAYS", config["DEADLINE_FINAL_DAYS"]))
            for name in DISASTER_TYPES
        },
    }
