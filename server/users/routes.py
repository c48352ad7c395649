from flask import Blueprint

from server.api import doc, json_body, page_schema, paginate, query_args
from server.auth.access import current_actor
from server.extensions import db
from server.users import service
from server.users.schemas import UserCreate, UserOut, UserQuery, UserUpdate

bp = Blueprint("users", __name__)


@bp.get("/users")
@doc(query=UserQuery, response=page_schema(UserOut), roles=("admin",))
def list_users():
    """List users within the admin's scope."""
    args = query_args(UserQuery())
    stmt = service.list_users(actor=current_actor(), role=args["role"], org_unit_id=args["org_unit_id"], q=args["q"])
    return paginate(stmt, UserOut(), page=args["page"], per_page=args["per_page"])


@bp.post("/users")
@doc(body=UserCreate, response=UserOut, status=201, roles=("admin",))
def create_user():
    """Create a user inside the admin's scope."""
    data = json_body(UserCreate())
    user = service.create_user(actor=current_actor(), **data)
    db.session.commit()
    return UserOut().dump(user), 201


@bp.get("/users/<int:user_id>")
@doc(response=UserOut, roles=("admin",))
def get_user(user_id: int):
    """Read one user within the admin's scope."""
    return UserOut().dump(service.get_user(actor=current_actor(), user_id=user_id))


@bp.patch("/users/<int:user_id>")
@doc(body=UserUpdate, response=UserOut, roles=("admin",))
def update_user(user_id: int):
    """Change a user's details, role, unit, password or active flag."""
    changes = json_body(UserUpdate())
    user = service.update_user(actor=current_actor(), user_id=user_id, changes=changes)
    db.session.commit()
    return UserOut().dump(user)
