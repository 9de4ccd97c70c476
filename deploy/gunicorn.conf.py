"""Gunicorn settings for Cadenza's web process, tuned from the environment (PORT, WEB_CONCURRENCY)."""

import os

_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

bind = f"0.0.0.0:{os.environ.get('PORT') or 5000}"
# WEB_CONCURRENCY unset, empty or 0 means: 2 * cores + 1, at most 8.
workers = int(os.environ.get("WEB_CONCURRENCY") or 0) or min(2 * _cores + 1, 8)
worker_class = "gthread"
threads = 4
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 1000
max_requests_jitter = 100
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
# Heartbeat files in memory, not on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
