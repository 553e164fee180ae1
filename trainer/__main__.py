"""`python -m trainer` runs the same command as `cks-trainer`."""

import sys

from trainer.cli import main

sys.exit(main())
