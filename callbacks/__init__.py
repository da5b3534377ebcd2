"""Callbacks, registered with Dash's global ``@callback`` when their module is imported.

They read figures only through ``data`` and never import ``dashboard``.
"""
import importlib
import pkgutil


def register_all() -> None:
    """Import every module of this package so its ``@callback`` decorators run."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
