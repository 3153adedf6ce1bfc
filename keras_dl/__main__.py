"""``python -m keras_dl``: see keras_dl.cli."""

import sys

from keras_dl.cli import main

sys.exit(main())
