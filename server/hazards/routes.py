import contextlib
import os

from flask import Blueprint, Response, current_app

from server.api import doc, json_body, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.clock import now, to_local
from server.exports.writers import content_disposition
from server.extensions import db
from server.hazards import ledger, service
from server.hazards.schemas import HazardCreate, HazardExportQuery, HazardOut, HazardQuery, HazardTransition
from server.hazards.service import FILING_ROLES
from server.photos.routes import photo_upload_response, upload_rate_limit
from server.photos.schemas import PhotoForm, PhotoOut

bp = Blueprint("hazards", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.post("/hazards")
@doc(body=HazardCreate, response=HazardOut, status=201, roles=FILING_ROLES)
def create_hazard():
    """File a hazard (idempotent by client_id: the same payload again → 200, another payload → 409)."""
    data = json_body(HazardCreate())
    hazard, created = service.create_hazard(actor=current_actor(), **data)
    db.session.commit()
    return HazardOut().dump(hazard), 201 if created else 200


@bp.get("/hazards")
@doc(query=HazardQuery, response=page_schema(HazardOut))
def list_hazards():
    """List hazards within scope, filtered by status, category, risk level, unit, overdue, supervised."""
    args = query_args(HazardQuery())
    page, per_page = args.pop("page"), args.pop("per_page")
    stmt = service.list_hazards(actor=current_actor(), **args)
    return paginate(stmt, HazardOut(), page=page, per_page=per_page)


@bp.get("/hazards/export.xlsx")
@doc(query=HazardExportQuery, content_type=XLSX)
def export_ledger():
    """The hazard ledger (隐患台账) as XLSX, streamed."""
    args = query_args(HazardExportQuery())
    path = ledger.write_ledger(actor=current_actor(), tmpdir=current_app.config.get("EXPORT_TMPDIR"), **args)
    response = Response(_stream(path), mimetype=XLSX)
    response.headers["Content-Length"] = str(os.path.getsize(path))
    # Deleted when the response is closed, even if the body was never read (HEAD, a dropped connection).
    response.call_on_close(lambda: _remove(path))
    day = f"{to_local(now()):%Y%m%d}"
    response.headers["Content-Disposition"] = content_disposition(f"隐患台账-{day}.xlsx", f"hazard-ledger-{day}.xlsx")
    return response


def _stream(path: str, chunk: int = 64 * 1024):
    with open(path, "rb") as fh:
        while data := fh.read(chunk):
            yield data


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


@bp.get("/hazards/<int:hazard_id>")
@doc(response=HazardOut)
def get_hazard(hazard_id: int):
    """Read one hazard with its photos and history."""
    return HazardOut().dump(service.get_hazard(actor=current_actor(), hazard_id=hazard_id))


@bp.post("/hazards/<int:hazard_id>/transitions")
@doc(body=HazardTransition, response=HazardOut)
def transition(hazard_id: int):
    """Move a hazard along its lifecycle: verify, reject, start_rectification, report_rectified, close, reopen."""
    data = json_body(HazardTransition())
    hazard = service.transition(actor=current_actor(), hazard_id=hazard_id, **data)
    db.session.commit()
    return HazardOut().dump(hazard)


@bp.post("/hazards/<int:hazard_id>/photos")
@doc(response=PhotoOut, status=201, content_type="multipart/form-data", form=PhotoForm)
@upload_rate_limit
def upload_hazard_photo(hazard_id: int):
    """Attach a photo to a hazard (multipart field file; optional kind before|after, lat, lon, accuracy_m, taken_at)."""
    return photo_upload_response(hazard_id=hazard_id)
