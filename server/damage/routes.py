from flask import Blueprint

bp = Blueprint("damage", __name__)
