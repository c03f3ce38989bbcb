"""`python -m transmission.reports daily|weekly ...`: the report commands on their own.

The scheduler starts each report this way, in its own process; nothing here imports the CLI.
"""

from transmission.reports.command import main

raise SystemExit(main())
