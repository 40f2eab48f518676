"""http_recv.py FILE PORT_FILE - the HTTP receiver of the push tests.

Listens on a free loopback port (written to PORT_FILE once it listens) and
appends the body of every POST to FILE, one line each, flushed at once so
that a test script can read along; answers 200. HTTP/1.1, so a client's
connection stays open between requests, as with a real receiver.
"""
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.out.write(body.replace(b"\n", b" ") + b"\n")
        self.server.out.flush()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
server.out = open(sys.argv[1], "ab")
with open(sys.argv[2], "w") as f:
    f.write(str(server.server_port))
server.serve_forever()
