from flask import Blueprint

bp = Blueprint("evacuation", __name__)
