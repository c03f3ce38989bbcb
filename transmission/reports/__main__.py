"""`python -m transmission.reports daily|weekly ...`: the report commands on their own.

The scheduler starts each report this way, in its own process.
"""

from transmission.cli.reports import report_app

report_app(prog_name="python -m transmission.reports")
