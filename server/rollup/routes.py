from flask import Blueprint

bp = Blueprint("rollup", __name__)
