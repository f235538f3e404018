"""One CSV-safe writer for every export: no cell may run as a spreadsheet formula."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.conf import settings

from offboarding.selectors import Finding, access_review_csv
from riskdesk import csv_export

HOSTILE = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\0=1+1",
    "\tcmd",
    "\rcmd",
    '  =HYPERLINK("http://evil.example/")',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_that_could_start_a_formula_is_read_as_text(text):
    assert csv_export.safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Ada Lovelace", "ada@example.com", "a=b", "", "1-2"])
def test_plain_text_is_left_alone(value):
    assert csv_export.safe_cell(value) == value


@pytest.mark.parametrize("value", [-3, 2.5, datetime.date(2025, 3, 14)])
def test_numbers_and_dates_are_left_alone(value):
    assert csv_export.safe_cell(value) == value


def test_the_writer_neutralises_every_cell_and_keeps_csv_quoting():
    out = io.StringIO()
    csv_export.writer(out).writerow(["=1+1", "a,b", None, 7])

    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "a,b", "", "7"]


@pytest.mark.parametrize("prefix", ["\t", "\r", "=", "@"])
def test_the_access_review_csv_neutralises_tab_and_carriage_return_too(prefix):
    finding = Finding("no_mfa", "Multi-factor off", f"{prefix}=HYPERLINK(1)", "k")

    row = list(csv.reader(io.StringIO(access_review_csv([finding]))))[1]

    assert row[-1] == f"'{prefix}=HYPERLINK(1)"


def _python_sources():
    base = Path(settings.BASE_DIR)
    for path in base.rglob("*.py"):
        relative = path.relative_to(base)
        if relative.parts[0] in {".venv", ".tools", "var", "node_modules"}:
            continue
        yield relative, path


def test_every_csv_export_goes_through_the_safe_writer():
    """A new export that calls csv.writer directly fails here: use riskdesk.csv_export."""
    direct = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    allowed = {Path("riskdesk/csv_export.py"), Path(__file__).relative_to(settings.BASE_DIR)}
    offenders = [
        f"{relative}:{number}"
        for relative, path in _python_sources()
        if relative not in allowed
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if direct.search(line)
    ]
    assert offenders == []
