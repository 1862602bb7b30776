"""`python -m flows [PREFECT_HOME]`: the offline environment defaults as shell `export` lines (flows/offline.py)."""

import sys

from flows.offline import print_exports

print_exports(sys.argv[1:])
