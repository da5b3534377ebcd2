"""``python -m etl``: see :mod:`etl.cli`."""
import sys

from etl.cli import main

sys.exit(main())
