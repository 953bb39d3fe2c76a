"""``python -m foodcrowd.crowd fit ...``: see :mod:`foodcrowd.crowd.cli`."""
import sys

from foodcrowd.crowd.cli import main

sys.exit(main())
