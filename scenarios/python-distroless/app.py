"""A tiny HTTP service on the Python standard library."""

import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"hello from python {sys.version.split()[0]} uid={os.getuid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    print("listening on :8000", flush=True)
    HTTPServer(("", 8000), Hello).serve_forever()
