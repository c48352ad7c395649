"""Every model, imported once so the metadata (and Alembic's autogenerate) sees the whole schema."""

from server.audit_trail import AuditLog
from server.auth.models import LoginSession
from server.damage import models as damage_models
from server.evacuation import models as evacuation_models
from server.events import models as events_models
from server.hazards import models as hazards_models
from server.ledgers import models as ledgers_models
from server.orgunits.models import OrgUnit
from server.photos import models as photos_models
from server.rollup import models as rollup_models
from server.sms import models as sms_models
from server.users.models import User
from server.warnings import models as warnings_models

__all__ = [
    "AuditLog",
    "LoginSession",
    "OrgUnit",
    "User",
    "damage_models",
    "evacuation_models",
    "events_models",
    "hazards_models",
    "ledgers_models",
    "photos_models",
    "rollup_models",
    "sms_models",
    "warnings_models",
]
