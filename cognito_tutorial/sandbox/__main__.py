"""`python -m cognito_tutorial.sandbox`: serve the sandbox, without the tutorial's CLI."""

import sys

from .command_line import main

sys.exit(main())
