"""`python -m mindlite.insight start --summary-base-dir DIR [--port 8080] [--host 127.0.0.1]`:
serve the dashboard for the runs under DIR until interrupted."""
from __future__ import annotations

import argparse
import errno
import logging
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mindlite.insight", description="mindlite insight dashboard")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="serve the dashboard")
    start.add_argument("--summary-base-dir", required=True, help="directory of runs (sub-directories with summaries)")
    start.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    start.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    args = parser.parse_args(argv)
    base = args.summary_base_dir
    if not os.path.isdir(base):
        print(f"mindlite.insight: --summary-base-dir {base!r} is not a directory", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"mindlite.insight: --port must be in 0..65535, got {args.port}", file=sys.stderr)
        return 2
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"mindlite.insight: warning: listening on {args.host} makes the summaries readable from other "
              "machines; the dashboard has no authentication", file=sys.stderr)
    from .server import make_server
    try:
        httpd = make_server(base, args.host, args.port)
    except OSError as e:
        why = "is already in use" if e.errno == errno.EADDRINUSE else f"cannot be opened ({e.strerror})"
        print(f"mindlite.insight: port {args.port} on {args.host} {why}", file=sys.stderr)
        return 2
    host, port = httpd.server_address[:2]
    print(f"mindlite insight: serving {os.path.abspath(base)} at http://{host}:{port}/ (Ctrl+C stops)", flush=True)
    logging.basicConfig(level=logging.WARNING)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
