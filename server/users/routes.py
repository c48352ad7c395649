from server.access import current_actor
from server.api import Blueprint
from server.users import service
from server.users.access import MANAGE_USERS
from server.users.schemas import UserCreate, UserOut, UserQuery, UserUpdate

bp = Blueprint("users", __name__)


@bp.get("/users")
@bp.roles(MANAGE_USERS)
@bp.arguments(UserQuery, location="query", as_kwargs=True)
@bp.paginated(UserOut)
def list_users(**filters):
    """List users within the admin's scope."""
    return service.list_users(actor=current_actor(), **filters)


@bp.post("/users")
@bp.roles(MANAGE_USERS)
@bp.arguments(UserCreate)
@bp.response(201, UserOut)
def create_user(data: dict):
    """Create a user inside the admin's scope."""
    user = service.create_user(actor=current_actor(), **data)
    return user


@bp.get("/users/<int:user_id>")
@bp.roles(MANAGE_USERS)
@bp.response(200, UserOut)
def get_user(user_id: int):
    """Read one user within the admin's scope."""
    return service.get_user(actor=current_actor(), user_id=user_id)


@bp.patch("/users/<int:user_id>")
@bp.roles(MANAGE_USERS)
@bp.arguments(UserUpdate)
@bp.response(200, UserOut)
def update_user(changes: dict, user_id: int):
    """Change a user's details, role, unit, password or active flag."""
    user = service.update_user(actor=current_actor(), user_id=user_id, changes=changes)
    return user
