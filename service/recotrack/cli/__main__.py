import sys

from recotrack.cli import main

sys.exit(main())
