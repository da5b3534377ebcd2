"""gunicorn settings: `gunicorn dashboard:server` reads this file from the project root.

Every setting can be overridden from the environment, so one file serves a laptop and a
district server alike.
"""
import gc
import multiprocessing
import os
import sys

from data import settings

# A pinned clock (CSB_FAKE_NOW) is for tests and screenshots: production never runs on one.
settings.refuse_fake_now("gunicorn")

bind = os.environ.get("CSB_BIND", "127.0.0.1:8050")
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("CSB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("CSB_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# Import the app once in the master so workers start fast and share its read-only pages;
# database engines are created lazily, per worker, after the fork (see data.db).
preload_app = True
accesslog = os.environ.get("CSB_ACCESS_LOG")  # None: off; "-": stdout
errorlog = "-"
loglevel = os.environ.get("CSB_LOG_LEVEL", "info")
max_requests = int(os.environ.get("CSB_MAX_REQUESTS", "0"))  # >0 recycles workers
max_requests_jitter = 100


# How often (ms) a worker's thread running Python hands the GIL to another that waits. The
# interpreter's 5 ms means a health check or a cached figure, a millisecond of work between
# a few database round trips, waits up to 5 ms at each of them while a thread of the same
# worker builds a chart; 1 ms keeps short requests short, at the cost of more switching.
switch_interval_ms = float(os.environ.get("CSB_SWITCH_INTERVAL_MS", "1"))

# How long (s) a new worker may spend warming itself before it accepts requests anyway
# (a warehouse that does not answer must not keep it out of service, nor past `timeout`);
# /healthz says "warming" until it is done.
warm_wait = float(os.environ.get("CSB_WARM_WAIT", "30"))


def pre_fork(server, worker):
    """Move everything the master imported (the app, Dash, pandas, plotly) out of the
    garbage collector's reach before forking: a worker's full collections then scan only
    what it made itself (they took about 100 ms, during which every thread of the worker
    waits), and they no longer write to pages shared with the master."""
    gc.freeze()


def post_fork(server, worker):
    """A pool must never cross a fork: forget any engine the master may have made."""
    from data import db

    db.forget_engines_after_fork()
    if switch_interval_ms > 0:
        sys.setswitchinterval(switch_interval_ms / 1000)


def post_worker_init(worker):
    """Warm the worker before it takes its first request (``dashboard.warm``): the first
    visitor of a freshly started or recycled worker is served as fast as the hundredth."""
    import dashboard

    dashboard.warm_in_background(dashboard.app, wait=max(0.0, min(warm_wait, timeout - 5)))
    state = dashboard.app.server.extensions[dashboard.WARMTH]
    if state.done.is_set():
        worker.log.info("worker %s warm in %.0f ms", worker.pid, state.took_ms)
    else:
        worker.log.warning("worker %s serving before it is warm (/healthz says so)", worker.pid)
