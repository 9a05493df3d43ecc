"""`python -m datastore ...`: see datastore/cli.py."""

import sys

from datastore.cli import main

sys.exit(main())
