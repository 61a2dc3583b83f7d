#!/usr/bin/env python3
"""A small HTTP/1.1 file server for tests of HTTP sources (Python standard library only).

Usage:
    http_test_server.py DIR [--lifetime SECONDS] [--verbose]

Serves the files under DIR on 127.0.0.1 (only) at a free port, and prints that port alone on the
first line of stdout (then flushes), so that a test can read it. It exits by itself after
--lifetime seconds (default 60) or as soon as the process that started it is gone, so a crashed
test never leaves it behind; SIGTERM stops it at once.

Paths (names percent-decoded, confined to DIR):
    /<file>            the file, with Content-Length, an ETag ("<size>-<mtime_ns>") and
                       Last-Modified; answers 304 when If-None-Match matches the ETag or, without
                       If-None-Match, when If-Modified-Since is not older than the file
    /cut/<file>        announces the whole Content-Length but closes after half the body
    /stall/<file>      sends half the body, then nothing until the lifetime ends
    /chunked/<file>    the body in chunked encoding, without Content-Length
    /redirect/<file>   302 to /<file> (with a small body of its own)
    /status/<code>     an empty response with that status (e.g. /status/503)
    missing files      404 Not Found
HEAD is answered like GET, without the body. Content-Type follows the file name (a page and its
scripts, .mjs and .wasm included, can be served), application/octet-stream when unknown.
--verbose logs each request on stderr.
"""

import argparse
import email.utils
import http.server
import mimetypes
import os
import socket
import sys
import threading
import time
import urllib.parse

CHUNK = 64 * 1024
# Browsers load ES modules and WebAssembly only with these types; older Pythons lack them.
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."
    verbose = False
    head_only = False  # a HEAD request: headers as for GET, no body

    def log_message(self, format, *args):
        if self.verbose:
            sys.stderr.write("http_test_server: " + (format % args) + "\n")

    def do_GET(self):
        self.head_only = False
        self.route()

    def do_HEAD(self):
        self.head_only = True
        self.route()

    def route(self):
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        hook, _, rest = path.lstrip("/").partition("/")
        if hook == "status" and rest.isdigit():
            self.send_empty(int(rest))
        elif hook == "redirect":
            self.send_redirect("/" + urllib.parse.quote(rest))
        elif hook in ("cut", "stall", "chunked"):
            self.send_file(rest, hook)
        else:
            self.send_file(path.lstrip("/"), "plain")

    def send_empty(self, status):
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def send_redirect(self, location):
        body = b"moved\n"
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not self.head_only:
            self.wfile.write(body)

    def resolve(self, name):
        root = os.path.realpath(self.root)
        full = os.path.realpath(os.path.join(root, name))
        if os.path.commonpath([root, full]) != root or not os.path.isfile(full):
            return None
        return full

    def send_file(self, name, mode):
        full = self.resolve(name)
        if full is None:
            self.send_error(404)
            return
        stat = os.stat(full)
        etag = '"%d-%d"' % (stat.st_size, stat.st_mtime_ns)
        last_modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        if mode == "plain" and self.unchanged(etag, stat.st_mtime):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return

        self.send_response(200)
        self.send_header("Content-Type",
                         mimetypes.guess_type(full)[0] or "application/octet-stream")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        if mode == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(stat.st_size))
        self.end_headers()
        if self.head_only:
            return

        with open(full, "rb") as f:
            if mode in ("cut", "stall"):
                self.wfile.write(f.read(stat.st_size // 2))
                self.wfile.flush()
                if mode == "stall":
                    time.sleep(3600)  # the lifetime ends the process first
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            while True:
                block = f.read(CHUNK)
                if not block:
                    break
                if mode == "chunked":
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                else:
                    self.wfile.write(block)
            if mode == "chunked":
                self.wfile.write(b"0\r\n\r\n")

    def unchanged(self, etag, mtime):
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match == "*"
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is not None:
            try:
                since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError):
                return False
            return int(mtime) <= since
        return False


def exit_when_orphaned_or_expired(parent, deadline):
    while time.monotonic() < deadline and os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", help="directory to serve")
    parser.add_argument("--lifetime", type=float, default=60.0, help="seconds before exiting")
    parser.add_argument("--verbose", action="store_true", help="log requests on stderr")
    args = parser.parse_args()

    Handler.root = args.root
    Handler.verbose = args.verbose
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    deadline = time.monotonic() + args.lifetime
    threading.Thread(
        target=exit_when_orphaned_or_expired, args=(os.getppid(), deadline), daemon=True
    ).start()
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
