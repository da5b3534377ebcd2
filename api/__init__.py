"""The read-only JSON API under ``/api/v1/``: the dashboard's query layer for other systems.

``init_app(server)`` registers it on the Dash app's Flask server; ``dashboard.py`` calls
it when this package is present.
"""
from __future__ import annotations

from flask import Flask

from api import v1


def init_app(server: Flask) -> None:
    """Register version 1 of the API and JSON error pages for every ``/api/`` URL."""
    server.register_blueprint(v1.blueprint)
    v1.install_error_pages(server)
