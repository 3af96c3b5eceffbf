"""A registry's front door for tests that must see two requests overlap: it forwards every
request to the registry, but holds each request that `held` matches until one that `opens`
matches has arrived. If none arrives within `patience` seconds it lets the held ones through
anyway and says so (`timed_out`), so a test fails instead of hanging."""

from __future__ import annotations

import http.client
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class Gate:
    def __init__(self, upstream: str, held: str, opens: str, patience: float = 90) -> None:
        self.upstream, self.patience = upstream, patience
        self.held, self.opens = re.compile(held), re.compile(opens)
        self.opened = threading.Event()
        self.seen: list[str] = []  # "METHOD /path", in the order they arrived
        self.waited = 0  # how many requests were held
        self.timed_out = False
        gate = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                gate._pass(self)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _pass(self, request: BaseHTTPRequestHandler) -> None:
        line = f"{request.command} {request.path}"
        self.seen.append(line)
        if self.opens.search(line):
            self.opened.set()
        if self.held.search(line):
            self.waited += 1
            if not self.opened.wait(self.patience):
                self.timed_out = True
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection(self.upstream, timeout=120)
        try:
            upstream.putrequest(request.command, request.path, skip_accept_encoding=True)
            for key, value in request.headers.items():  # each of several Accept headers
                if key.lower() not in _HOP_BY_HOP:
                    upstream.putheader(key, value)
            upstream.putheader("Content-Length", str(len(body or b"")))
            upstream.endheaders(body)
            response = upstream.getresponse()
            data = response.read()
            request.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in _HOP_BY_HOP:
                    request.send_header(key, value)
            size = response.getheader("Content-Length") if request.command == "HEAD" else None
            request.send_header("Content-Length", size or str(len(data)))
            request.end_headers()
            if request.command != "HEAD":
                request.wfile.write(data)
        finally:
            upstream.close()

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *exc) -> None:
        self.opened.set()
        self.server.shutdown()
        self.server.server_close()
