"""Domain changes: the plan (`plan`, pure), the calls (`apply`), the ledger (`ledger`, a
.jsonl file with the monthly count and the lock), the platform's own lists (`platform`), and
the webview verification files (`confirmcheck` before an add, `confirmfiles` for a fleet).

The command line (`cli/domains.py`, `cli/platform.py`) and the dashboard (`changing.py`) both
go through these, so a change planned in one reads the same in the other.
"""
