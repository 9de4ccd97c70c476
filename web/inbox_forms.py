"""Forms of the inbox settings pages: business hours, targets and crisis alerts; saved replies; rules."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tenants.inbox.business_hours import WEEKDAYS, BusinessHours
from tenants.inbox.crisis import CrisisSettings
from tenants.inbox.moderation import RULE_ACTIONS
from tenants.inbox.settings_store import SYNC_CHOICES
from tenants.models import InboxSettings

WEEKDAY_LABELS = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}
UNIT_CHOICES = [SelectChoice("minutes", _l("minutes")), SelectChoice("hours", _l("hours"))]
SYNC_LABELS = {
    1: _l("Every minute"),
    5: _l("Every 5 minutes"),
    15: _l("Every 15 minutes"),
    60: _l("Every hour"),
}
RULE_ACTION_LABELS = {
    "tag": _l("Tag the item"),
    "assign": _l("Assign the item"),
    "hide": _l("Hide the item on the network"),
}
_CLOCK = r"(\d{1,2}):(\d\d)"
_RANGE = re.compile(rf"{_CLOCK}\s*[-–]\s*{_CLOCK}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_ranges(text: str) -> list[list[str]]:
    """Read "09:00-13:00, 14:00-18:00" as [["09:00", "13:00"], ["14:00", "18:00"]] (ValueError if not)."""
    ranges = []
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        match = _RANGE.fullmatch(part.strip())
        if match is None:
            raise ValueError(part)
        h1, m1, h2, m2 = (int(n) for n in match.groups())
        if max(h1, h2) > 24 or max(m1, m2) > 59:
            raise ValueError(part)
        ranges.append([f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"])
    return ranges


def parse_dates(text: str) -> list[str]:
    """One ISO date per line (blank lines skipped); ValueError if a line is not one."""
    days = [line.strip() for line in text.splitlines() if line.strip()]
    for day in days:
        if not _DATE.fullmatch(day):
            raise ValueError(day)
        date.fromisoformat(day)
    return days


def _day_ranges(form: FlaskForm, field: StringField) -> None:
    try:
        ranges = parse_ranges(field.data or "")
    except ValueError:
        raise ValidationError(
            _l("Write times like 09:00-13:00, 14:00-18:00 (24:00 may end a day).")
        ) from None
    try:
        BusinessHours.from_json({"weekly": {field.short_name: ranges}})
    except ValueError:
        raise ValidationError(
            _l("Each range must end after it starts, and ranges must not overlap.")
        ) from None


def _holidays(form: FlaskForm, field: TextAreaField) -> None:
    try:
        parse_dates(field.data or "")
    except ValueError:
        raise ValidationError(_l("Write one date per line, like 2026-12-25.")) from None


def _optional_id(value: object) -> int | None:
    return None if value in ("", None) else int(value)


def _minutes(value: int, unit: str) -> int:
    return value * 60 if unit == "hours" else value


def _amount(minutes: int) -> tuple[int, str]:
    return (minutes // 60, "hours") if minutes % 60 == 0 else (minutes, "minutes")


def _day(name: str) -> StringField:
    return StringField(WEEKDAY_LABELS[name], validators=[Length(max=200), _day_ranges])


def _whole(low: int, high: int) -> list:
    return [InputRequired(), NumberRange(min=low, max=high)]


class InboxSettingsForm(FlaskForm):
    mon = _day("mon")
    tue = _day("tue")
    wed = _day("wed")
    thu = _day("thu")
    fri = _day("fri")
    sat = _day("sat")
    sun = _day("sun")
    holidays = TextAreaField(
        _l("Holidays (closed all day), one date per line"), [Length(max=5000), _holidays]
    )
    # In minutes or hours: the service checks the bounds once the unit is applied.
    first_response = IntegerField(
        _l("First response within"), validators=[InputRequired(), NumberRange(min=1)]
    )
    first_response_unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    resolution = IntegerField(_l("Resolution within"), validators=[InputRequired(), NumberRange(min=1)])
    resolution_unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    sync_minutes = SelectField(
        _l("Read the accounts"), coerce=int, choices=[SelectChoice(m, SYNC_LABELS[m]) for m in SYNC_CHOICES]
    )
    crisis_enabled = BooleanField(_l("Alert the team when negative messages spike"))
    window_minutes = IntegerField(_l("Window (minutes)"), validators=_whole(5, 24 * 60))
    baseline_hours = IntegerField(_l("Compared with the last (hours)"), validators=_whole(1, 90 * 24))
    sensitivity = FloatField(
        _l("Sensitivity (spreads above usual)"), validators=[InputRequired(), NumberRange(min=0.5, max=20)]
    )
    min_negative = IntegerField(_l("Never alert below (negative messages)"), validators=_whole(1, 100_000))
    cooldown_minutes = IntegerField(_l("Quiet after an alert (minutes)"), validators=_whole(5, 7 * 24 * 60))
    holding_statement = TextAreaField(_l("Holding statement"), validators=[Length(max=5000)])
    crisis_webhook = StringField(_l("Webhook address"), validators=[Optional(), Length(max=2000)])
    remove_webhook = BooleanField(_l("Remove the webhook"))

    @staticmethod
    def initial(row: InboxSettings) -> dict:
        """The form's values for a stored settings row (never the webhook URL)."""
        hours = BusinessHours.from_json(row.business_hours or {}).to_json()
        crisis = CrisisSettings.from_json(row.crisis or {}).to_json()
        first, first_unit = _amount(row.first_response_minutes)
        resolution, resolution_unit = _amount(row.resolution_minutes)
        days = {day: ", ".join("-".join(r) for r in hours["weekly"][day]) for day in WEEKDAYS}
        return days | {
            "holidays": "\n".join(hours["holidays"]),
            "first_response": first,
            "first_response_unit": first_unit,
            "resolution": resolution,
            "resolution_unit": resolution_unit,
            "sync_minutes": row.sync_minutes,
            "crisis_enabled": crisis.pop("enabled"),
            **crisis,
            "holding_statement": row.holding_statement,
        }

    def business_hours(self, timezone: str) -> dict:
        """The weekly ranges and holidays in the stored shape, in the client's time zone."""
        weekly = {day: parse_ranges(getattr(self, day).data or "") for day in WEEKDAYS}
        return {"timezone": timezone, "weekly": weekly, "holidays": parse_dates(self.holidays.data or "")}

    def first_response_minutes(self) -> int:
        """The first-response target in minutes."""
        return _minutes(self.first_response.data, self.first_response_unit.data)

    def resolution_minutes(self) -> int:
        """The resolution target in minutes."""
        return _minutes(self.resolution.data, self.resolution_unit.data)

    def crisis(self) -> dict:
        """The crisis alert settings in the stored shape."""
        return {
            "enabled": self.crisis_enabled.data,
            "window_minutes": self.window_minutes.data,
            "baseline_hours": self.baseline_hours.data,
            "sensitivity": float(self.sensitivity.data),
            "min_negative": self.min_negative.data,
            "cooldown_minutes": self.cooldown_minutes.data,
        }

    def webhook_change(self) -> str | None:
        """None keeps the stored webhook, "" removes it, a URL replaces it."""
        if self.remove_webhook.data:
            return ""
        return (self.crisis_webhook.data or "").strip() or None


class SavedReplyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    text = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=5000)])


class RuleForm(FlaskForm):
    name = StringField(_l("Rule name"), validators=[DataRequired(), Length(max=100)])
    keywords = StringField(_l("Keywords, separated by commas"), validators=[Length(max=4000)])
    match_offensive = BooleanField(_l("Also match offensive words"))
    action = SelectField(
        _l("Then"), choices=[SelectChoice(a, RULE_ACTION_LABELS[a]) for a in RULE_ACTIONS], default="tag"
    )
    tag = StringField(_l("Tag"), validators=[Length(max=50)])
    assignee_id = SelectField(_l("Assign to"), coerce=_optional_id)

    def keyword_list(self) -> list[str]:
        """The keywords, one per comma."""
        return [k.strip() for k in (self.keywords.data or "").split(",") if k.strip()]
