"""Callbacks, registered with Dash's global ``@callback`` when their module is imported.

They read figures only through ``data`` and never import ``dashboard``.
"""
import importlib
import pkgutil


def page_layouts() -> dict:
    """Page layouts that arrive with their figures in them, by page module name.

    ``layouts/`` stays pure (it never queries); where a page is better served filled,
    the function that fills it lives here and dashboard registers it in the layout's place.
    """
    from callbacks import console, wall

    return {"wall": wall.first_screen, "console": console.page}


def register_all() -> None:
    """Import every module of this package so its ``@callback`` decorators run."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
