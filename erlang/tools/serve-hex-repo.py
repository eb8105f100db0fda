"""Serves a Hex repository directory (hex.escript repo) over HTTP on 127.0.0.1, as a
CDN serves repo.hex.pm: rebar3 takes a tarball only from a response with an ETag.

    python3 serve-hex-repo.py RepoDir PortFile

Binds an ephemeral port, writes it to PortFile, and serves until killed."""

import functools
import hashlib
import http.server
import os
import sys


class HexRepoHandler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        path = self.translate_path(self.path)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                self.send_header("ETag", '"%s"' % hashlib.md5(f.read()).hexdigest())
        super().end_headers()

    def log_message(self, format, *args):
        pass


def main():
    repo_dir, port_file = sys.argv[1], sys.argv[2]
    handler = functools.partial(HexRepoHandler, directory=repo_dir)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
