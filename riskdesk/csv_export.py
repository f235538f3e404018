"""The one way riskdesk writes CSV: no cell can run as a spreadsheet formula.

Exports hold text people typed (names, handles, findings). A spreadsheet runs a
cell that starts with `=`, `+`, `-` or `@` as a formula, and also one that starts
with a tab, a carriage return or a null byte followed by one (OWASP "CSV
Injection", ASVS 1.2.10). Such text cells get a leading `'`, which spreadsheets
read as "this is text". Numbers and dates are written as they are.

Use `writer(file)` wherever `csv.writer(file)` would be used; a test fails on any
`csv.writer(` or `csv.DictWriter(` outside this module.
"""

import csv
import datetime
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@")
# Blanks a spreadsheet may skip before it looks for a formula: a cell starting with
# one of them is neutralised too (a space alone is, when a formula character follows).
CONTROL_START = ("\t", "\r", "\n", "\0")
PLAIN = (int, float, Decimal, datetime.date, datetime.time)


def safe_cell(value):
    """The cell as a spreadsheet should show it: text that could start a formula gets a `'`."""
    if value is None:
        return ""
    if isinstance(value, PLAIN) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_START + CONTROL_START) or text.lstrip().startswith(FORMULA_START):
        return "'" + text
    return text


class SafeWriter:
    """`csv.writer` whose rows go through `safe_cell`."""

    def __init__(self, file, *args, **kwargs):
        self._writer = csv.writer(file, *args, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(file, *args, **kwargs) -> SafeWriter:
    return SafeWriter(file, *args, **kwargs)
