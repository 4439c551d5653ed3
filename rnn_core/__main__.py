"""``python -m rnn_core``: see :mod:`rnn_core.cli`."""

import sys

from .cli import main

sys.exit(main())
