"""The report's date range: parsed from the page's query, its previous period, its buckets.

Days are the organisation's days: `report_timezone()` is the one place that says which
time zone, so bucketing and the range's edges change together when it does.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workspace.selectors import organisation

MAX_DAYS = 731  # two years: a longer range is cut to its last two years, with a message
DAILY_UP_TO = 62  # days shown one bar a day; longer ranges are shown by week
DEFAULT_PRESET = "30d"
PRESETS = [
    ("7d", gettext_lazy("Last 7 days")),
    ("30d", gettext_lazy("Last 30 days")),
    ("last_month", gettext_lazy("Last month")),
    ("quarter", gettext_lazy("This quarter")),
]


def report_timezone() -> ZoneInfo:
    """The time zone the reports' days and weeks are counted in: the organisation's."""
    return ZoneInfo(organisation().timezone)


def local_today() -> date:
    return timezone.now().astimezone(report_timezone()).date()


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, both days included, in the report's time zone."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, report_timezone())

    @property
    def end(self) -> datetime:
        """The first moment after the period (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, report_timezone())

    @property
    def bucket(self) -> str:
        return "day" if self.days <= DAILY_UP_TO else "week"

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def buckets(self) -> list[date]:
        """The first day of every bucket (day, or Monday of every week) the period touches."""
        if self.bucket == "day":
            return [self.first + timedelta(days=n) for n in range(self.days)]
        monday = self.first - timedelta(days=self.first.weekday())
        weeks = []
        while monday <= self.last:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks

    def query(self) -> str:
        return f"from={self.first.isoformat()}&to={self.last.isoformat()}"


def preset_period(preset: str, today: date) -> Period:
    if preset == "7d":
        return Period(today - timedelta(days=6), today)
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return Period(last.replace(day=1), last)
    if preset == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        return Period(today.replace(month=first_month, day=1), today)
    return Period(today - timedelta(days=29), today)


def last_week(today: date) -> Period:
    """Monday to Sunday of the week before `today`'s."""
    monday = today - timedelta(days=today.weekday() + 7)
    return Period(monday, monday + timedelta(days=6))


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()[:10]) if value else None
    except ValueError:
        return None


def parse_period(data, today: date | None = None) -> tuple[Period, list[str]]:
    """The period the query asks for (`preset`, or `from` and `to`), and what was wrong with it.

    A bad query never fails: garbage dates fall back to the last 30 days, a `from` after
    `to` is swapped back into the default, a range over two years is cut to its last two
    years; each with a message that says so.
    """
    today = today or local_today()
    errors: list[str] = []
    preset = data.get("preset") or ""
    raw_from, raw_to = data.get("from"), data.get("to")
    if preset in dict(PRESETS) and not (raw_from or raw_to):
        return preset_period(preset, today), errors
    if not (raw_from or raw_to):
        return preset_period(DEFAULT_PRESET, today), errors
    first, last = _date(raw_from), _date(raw_to)
    if (raw_from and first is None) or (raw_to and last is None):
        errors.append(_("Dates are written YYYY-MM-DD: showing the last 30 days instead."))
        return preset_period(DEFAULT_PRESET, today), errors
    last = last or today
    first = first or last - timedelta(days=29)
    if first > last:
        errors.append(_("The start date is after the end date: showing the last 30 days."))
        return preset_period(DEFAULT_PRESET, today), errors
    if (last - first).days + 1 > MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
        errors.append(
            _("A report covers at most two years: showing the two years up to %(last)s.")
            % {"last": last.isoformat()}
        )
    return Period(first, last), errors
