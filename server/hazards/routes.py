from flask import Blueprint

bp = Blueprint("hazards", __name__)
