"""gunicorn settings: `gunicorn dashboard:server` reads this file from the project root.

Every setting can be overridden from the environment, so one file serves a laptop and a
district server alike.
"""
import multiprocessing
import os

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


def post_fork(server, worker):
    """A pool must never cross a fork: forget any engine the master may have made."""
    from data import db

    db.forget_engines_after_fork()
