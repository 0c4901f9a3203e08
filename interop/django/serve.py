"""Migrate, seed users and serve the interop project on 127.0.0.1 with the standard library's
WSGI server, in one process (each Python start-up costs a second on a busy machine).

The database is migrated first (manage.py migrate). When INTEROP_USERS holds a JSON array, those
users are created (manage.py seedusers). The port is chosen by the kernel (port 0) and printed
on the first line of stdout as "listening on http://127.0.0.1:PORT", so a test can start it
without guessing a free port. Requests are served in threads, as gunicorn or runserver would.
"""
import os
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoproject.settings")

from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("django: " + (format % args) + "\n")


def main():
    application = get_wsgi_application()
    call_command("migrate", verbosity=0)
    users = os.environ.get("INTEROP_USERS", "")
    if users:
        call_command("seedusers", json=users)
    server = make_server(
        "127.0.0.1", 0, application, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
