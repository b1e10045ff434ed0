"""Swedish organisationsnummer: `NNNNNN-NNNN` with a Luhn (mod 10) check digit."""

import re

_FORMAT = re.compile(r"[0-9]{6}-[0-9]{4}")


def is_valid_org_number(value: str) -> bool:
    """True when `value` has the form `NNNNNN-NNNN` and a correct check digit.

    The third digit of an organisationsnummer is at least 2, which keeps it apart from a
    personnummer (whose third digit is a month's first digit).
    """
    if not _FORMAT.fullmatch(value):
        return False
    digits = [int(c) for c in value.replace("-", "")]
    if digits[2] < 2:
        return False
    return luhn_check_digit(digits[:9]) == digits[9]


def luhn_check_digit(digits: list[int]) -> int:
    """The Luhn check digit for nine digits, weights 2,1,2,1,… from the left."""
    total = 0
    for i, digit in enumerate(digits):
        product = digit * (2 if i % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10
