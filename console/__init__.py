"""The staff console's server side (/console): who may change what, and the record of it.

``console.guard`` decides whether the person asking may change something for an area
(an editor for the areas given to them, an admin for any; a CSRF token on every change);
``console.audit`` records every change (who, when, what before, what after). The page
itself is ``layouts/console*.py`` and ``callbacks/console*.py``.
"""
