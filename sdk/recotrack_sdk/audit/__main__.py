"""`python -m recotrack_sdk.audit FILE`: the same as `recotrack-cli audit verify FILE` (the
offline check of an NDJSON export of the event log; without a file, its usage and exit
status 2)."""

import sys

from recotrack_sdk._cli import main

sys.exit(main(["audit", "verify", *sys.argv[1:]]))
