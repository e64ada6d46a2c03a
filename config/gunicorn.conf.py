"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`."""

import multiprocessing
import os

import environ

from config.logging import gunicorn_logconfig

# Serving under gunicorn means production unless DEBUG says otherwise.
os.environ.setdefault("DEBUG", "false")
env = environ.Env()

# The loopback, so that only a proxy on this machine reaches Foyer and X-Forwarded-* come
# from it alone; BIND names another address (host:port or unix:path) where the proxy is
# elsewhere, and FORWARDED_ALLOW_IPS and TRUSTED_PROXY_COUNT must then name that proxy.
bind = env.str("BIND", default=f"127.0.0.1:{env.int('PORT', default=8000)}")
workers = env.int("WEB_CONCURRENCY", default=multiprocessing.cpu_count() * 2 + 1)
# Pages wait on ButterflyMX and Butlr, so each worker serves a few requests at once.
worker_class = "gthread"
threads = env.int("WEB_THREADS", default=4)
# A gthread worker is restarted when its main loop stops answering for `timeout` seconds,
# but a request stuck in one of its threads is never cut short: what bounds a request is the
# upstream clients' connect and read timeouts and PostgreSQL's statement timeout (settings).
# A stopping worker waits `graceful_timeout` seconds for the requests in flight.
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


def on_starting(server):
    """Refuse several worker processes over a cache each keeps to itself: the unlock cooldown,
    the unlock rate limit and allauth's sign-in limits would hold per process only."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings

    from config.checks import cache_is_shared

    if server.cfg.workers > 1 and not cache_is_shared(settings.CACHES["default"]):
        raise RuntimeError(
            f"{server.cfg.workers} worker processes need a shared cache: set REDIS_URL, "
            "or WEB_CONCURRENCY=1."
        )
