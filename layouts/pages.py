"""The page registry: every page of the app, its path and its layout function.

``dashboard.create_app`` registers these with Dash; nothing else registers pages.
"""
from layouts import console, data_health, explore, overview, wall

PAGES = [
    dict(module="overview", path="/", name="总览", title="社区智慧大脑 · 总览", layout=overview.layout, order=0),
    dict(module="explore", path="/explore", name="分析", title="社区智慧大脑 · 分析", layout=explore.layout, order=1),
    dict(module="data_health", path="/data", name="数据", title="社区智慧大脑 · 数据健康", layout=data_health.layout, order=2),
    dict(module="wall", path="/wall", name="大屏", title="社区智慧大脑", layout=wall.layout, order=3),
    dict(module="console", path="/console", name="控制台", title="社区智慧大脑 · 控制台", layout=console.layout, order=4),
]
