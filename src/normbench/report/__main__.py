"""``python -m normbench.report``: build the HTML report from a study's results."""

import sys

from normbench.report.build import main

sys.exit(main())
