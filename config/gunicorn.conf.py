"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`."""

import multiprocessing
import os

import environ

from config.logging import gunicorn_logconfig

# Serving under gunicorn means production unless DEBUG says otherwise.
os.environ.setdefault("DEBUG", "false")
env = environ.Env()

# Inside a container the port is published from all interfaces; the proxy sits in front.
bind = f"0.0.0.0:{env.int('PORT', default=8000)}"
workers = env.int("WEB_CONCURRENCY", default=multiprocessing.cpu_count() * 2 + 1)
# Pages wait on ButterflyMX and Butlr, so each worker serves a few requests at once.
worker_class = "gthread"
threads = env.int("WEB_THREADS", default=4)
timeout = 30
graceful_timeout = 30
keepalive = 5
# Several servers may share a machine (the benchmark's, a test's): one control socket path
# per user would collide, and nothing here drives gunicorn through it.
control_socket_disable = True

# Which proxies may set X-Forwarded-Proto and friends.
forwarded_allow_ips = env.str("FORWARDED_ALLOW_IPS", default="127.0.0.1,::1")

# The path without its query string: OAuth callbacks carry the authorization code there.
# Referer is left out for the same reason.
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
accesslog = "-"
errorlog = "-"
logconfig_dict = gunicorn_logconfig(
    log_format=env.str("LOG_FORMAT", default="plain" if env.bool("DEBUG") else "json")
)
