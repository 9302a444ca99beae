"""`python -m minerconsole`: the same as the `minerconsole` command."""

import sys

from minerconsole.cli import main

sys.exit(main())
