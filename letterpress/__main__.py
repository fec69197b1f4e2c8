"""``python -m letterpress`` runs the command line."""

import sys

from letterpress.cli import main

sys.exit(main())
