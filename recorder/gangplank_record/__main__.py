"""`python -m gangplank_record ...`: see cli.py."""

import sys

from gangplank_record.cli import main

sys.exit(main())
