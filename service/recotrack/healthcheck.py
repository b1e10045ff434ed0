"""`python -m recotrack.healthcheck [PATH]`: the container's health check, standard library only.

Asks the service in the same container (`127.0.0.1:$RECOTRACK_PORT`) for PATH (default
`/readyz`: the service answers and so does its database). Exit status 0 when it answers 200,
1 otherwise, with one line on stderr. The image has no curl; this needs nothing it lacks.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

_TIMEOUT_SECONDS = 3.0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = args[0] if args else "/readyz"
    port = os.environ.get("RECOTRACK_PORT") or "8000"
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_SECONDS) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthcheck: {url}: status {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
