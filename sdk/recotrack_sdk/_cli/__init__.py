"""`recotrack-cli`: the secretariat's command line, built on the SDK.

`status`, `list`, `show CODE`, `overdue` and `stats`, as aligned tables on a terminal, or as
`--json` and `--csv` for scripts. `main(argv)` runs it and returns the exit status.
"""

from recotrack_sdk._cli._main import main

__all__ = ["main"]
