"""``python -m foodcrowd.datasets ...`` (see :mod:`foodcrowd.datasets.cli`)."""
from foodcrowd.datasets.cli import main

raise SystemExit(main())
