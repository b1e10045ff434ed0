"""`python -m recotrack_sdk._cli`: the same as `recotrack-cli`."""

import sys

from recotrack_sdk._cli import main

sys.exit(main())
