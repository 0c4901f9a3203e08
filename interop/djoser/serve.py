"""Migrate and serve the Djoser interop project on 127.0.0.1 with the standard library's WSGI
server, in one process. The port is chosen by the kernel and printed on the first line of
stdout as "listening on http://127.0.0.1:PORT". Requests are served in threads."""
import os
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # templated_mail, the stand-in
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djoserproject.settings")

from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("djoser: " + (format % args) + "\n")


def main():
    application = get_wsgi_application()
    call_command("migrate", verbosity=0)
    server = make_server(
        "127.0.0.1", 0, application, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
