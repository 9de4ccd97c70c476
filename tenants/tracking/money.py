"""Conversion values: ISO 4217 currencies, and amounts kept in the currency's minor unit (exact sums)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision, is_currency

from tenants.errors import N_, Invalid

MAX_VALUE = Decimal("1000000000000")  # a trillion: anything above is a mistake in the site's code


def clean_currency(value: object, *, field: str = "currency") -> str:
    """An ISO 4217 code in capitals ('eur' -> 'EUR'); Invalid otherwise."""
    if not isinstance(value, str) or len(value.strip()) != 3:
        raise Invalid(N_("Give the currency as a three-letter ISO code, like EUR."), field=field)
    code = value.strip().upper()
    if not is_currency(code):
        raise Invalid(N_("Give the currency as a three-letter ISO code, like EUR."), field=field)
    return code


def to_minor(value: object, currency: str, *, field: str = "value") -> int:
    """A non-negative amount (number or decimal string) in the currency's minor unit, rounded half up."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise Invalid(N_("Give the value as a number, like 19.90."), field=field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise Invalid(N_("Give the value as a number, like 19.90."), field=field) from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_VALUE:
        raise Invalid(N_("Give the value as a number, like 19.90."), field=field)
    scale = Decimal(10) ** get_currency_precision(currency)
    return int((amount * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(value: int, currency: str) -> Decimal:
    """The amount of `value` minor units, with the currency's number of decimals."""
    digits = get_currency_precision(currency)
    return (Decimal(value) / (Decimal(10) ** digits)).quantize(Decimal(1).scaleb(-digits))
