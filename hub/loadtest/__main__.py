"""`python -m hub.loadtest [flags]` — the same as `kongjian loadtest [flags]`."""

import sys

from hub.loadtest.cli import main

if __name__ == "__main__":
    sys.exit(main())
