"""``python -m keras_dl``: see keras_dl.lab.cli."""

import sys

from keras_dl.lab.cli import main

sys.exit(main())
