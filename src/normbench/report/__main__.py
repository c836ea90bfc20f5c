import sys

from normbench.report.build import main

sys.exit(main())
