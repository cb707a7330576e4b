"""`python -m wxdash.cli` runs the same command line as `wxdash`."""

import sys

from wxdash.cli import main

sys.exit(main())
