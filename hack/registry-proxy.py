#!/usr/bin/env python3
"""A test proxy in front of a plain-HTTP registry (GET/HEAD only), for what a
real registry will not do on its own:
  --token             demand a Bearer token (RFC 6750 challenge); /token issues
                      one to a user of --user (Basic auth)
  --basic             demand Basic auth from a user of --user
  --user U:P[,U:P]    the users --token and --basic accept
  --log FILE          append "METHOD PATH STATUS" for every request
  --stall-manifests S hold every manifest request S seconds before answering it
  --corrupt-blobs     flip the last byte of every blob it passes on
  --garbage-manifests answer every manifest request with invalid JSON
Listens on 127.0.0.1 (--port, or any free port, which it prints), until killed."""
import argparse, base64, http.server, json, socketserver, sys, time, urllib.request, urllib.error

p = argparse.ArgumentParser()
p.add_argument("upstream")
p.add_argument("--port", type=int, default=0)
p.add_argument("--token", action="store_true")
p.add_argument("--user", default="")
p.add_argument("--corrupt-blobs", action="store_true")
p.add_argument("--garbage-manifests", action="store_true")
p.add_argument("--basic", action="store_true")
p.add_argument("--log", default="")
p.add_argument("--stall-manifests", type=float, default=0)
args = p.parse_args()
TOKEN = "bpfman-test-token"
USERS = {"Basic " + base64.b64encode(u.encode()).decode() for u in args.user.split(",") if u}

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body=b"", headers=()):
        if args.log:
            with open(args.log, "a") as f:
                f.write("%s %s %d\n" % (self.command, self.path, code))
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_token(self):
        if USERS:
            if self.headers.get("Authorization") not in USERS:
                return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
        self.reply(200, json.dumps({"token": TOKEN}).encode(), [("Content-Type", "application/json")])

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if self.path.startswith("/token"):
            return self.handle_token()
        if args.token and self.headers.get("Authorization") != "Bearer " + TOKEN:
            realm = "http://127.0.0.1:%d/token" % self.server.server_address[1]
            challenge = 'Bearer realm="%s",service="bpfman-test",scope="repository:x:pull"' % realm
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', [("WWW-Authenticate", challenge)])
        if args.basic and self.headers.get("Authorization") not in USERS:
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', [("WWW-Authenticate", 'Basic realm="bpfman-test"')])
        if args.stall_manifests and "/manifests/" in self.path:
            time.sleep(args.stall_manifests)
        if args.garbage_manifests and "/manifests/" in self.path:
            return self.reply(200, b'{"schemaVersion": 2, "config": ', [("Content-Type", "application/vnd.oci.image.manifest.v1+json")])
        req = urllib.request.Request(args.upstream + self.path, method=self.command)
        for k in ("Accept",):
            if self.headers.get(k):
                req.add_header(k, self.headers.get(k))
        try:
            with urllib.request.urlopen(req) as r:
                body, code, headers = r.read(), r.status, r.headers
        except urllib.error.HTTPError as e:
            body, code, headers = e.read(), e.code, e.headers
        if args.corrupt_blobs and "/blobs/" in self.path and body:
            body = body[:-1] + bytes([body[-1] ^ 0xFF])
        keep = [(k, v) for k, v in headers.items() if k.lower() in ("content-type", "docker-content-digest")]
        self.reply(code, body, keep)

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

srv = Server(("127.0.0.1", args.port), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
