"""``<html lang>`` follows the page's language as a visitor moves between pages.

The server writes it into the page first loaded (``dashboard.html_lang``); the pages' links
change ``?lang=`` without a reload, so the browser side keeps it in step, by the same rule.
"""
from dash import Input, clientside_callback

clientside_callback(
    """function (search) {
        const lang = new URLSearchParams(search || '').get('lang') || '';
        document.documentElement.lang = lang.toLowerCase().startsWith('en') ? 'en' : 'zh-CN';
    }""",
    Input("shell-url", "search"),
)
