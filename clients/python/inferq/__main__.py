"""``python -m inferq``: the same as the ``inferq`` command."""

import sys

from inferq.cli import main

sys.exit(main())
