"""Swedish organisationsnummer: format, the third digit, and the Luhn check digit."""

from __future__ import annotations

import pytest

from recotrack.domain.orgnr import is_valid_org_number, luhn_check_digit

# Real agencies' numbers; each checked by hand with the Luhn algorithm below.
AGENCIES = {
    "Skatteverket": "202100-5448",
    "Försäkringskassan": "202100-5521",
    "Lantmäteriet": "202100-4888",
    "Arbetsförmedlingen": "202100-2114",
    "Polismyndigheten": "202100-0076",
    "Trafikverket": "202100-6297",
    "CSN": "202100-1819",
    "Bolagsverket": "202100-5489",
}


def luhn_valid(number: str) -> bool:
    """The textbook Luhn check, from the right, written independently of the module."""
    total = 0
    for i, char in enumerate(reversed(number.replace("-", ""))):
        digit = int(char) * (2 if i % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


@pytest.mark.parametrize("number", AGENCIES.values(), ids=AGENCIES.keys())
def test_real_agency_numbers_are_valid(number: str) -> None:
    assert luhn_valid(number)
    assert is_valid_org_number(number)
    digits = [int(c) for c in number.replace("-", "")]
    assert luhn_check_digit(digits[:9]) == digits[9]


@pytest.mark.parametrize("number", AGENCIES.values(), ids=AGENCIES.keys())
def test_every_other_check_digit_is_wrong(number: str) -> None:
    for wrong in set("0123456789") - {number[-1]}:
        assert not is_valid_org_number(number[:-1] + wrong)


@pytest.mark.parametrize(
    "value",
    [
        "2021005448",  # no dash
        "20210-05448",  # dash in the wrong place
        "202100 5448",
        "202100–5448",  # en dash
        "20210A-5448",
        "202100-544X",
        "202100-544",  # too short
        "20210-5448",
        "202100-54480",  # too long
        "16202100-5448",  # with the century prefix
        " 202100-5448",
        "202100-5448\n",
        "",
    ],
)
def test_wrong_format(value: str) -> None:
    assert not is_valid_org_number(value)


@pytest.mark.parametrize("third", "01")
def test_a_third_digit_below_two_is_a_personnummer_not_an_organisation(third: str) -> None:
    body = [int(c) for c in f"20{third}100544"]
    number = f"20{third}100-544{luhn_check_digit(body)}"
    assert luhn_valid(number)  # the checksum is right,
    assert not is_valid_org_number(number)  # yet it is not an organisationsnummer


def test_a_third_digit_of_two_or_more_is_accepted() -> None:
    for third in "23456789":
        body = [int(c) for c in f"55{third}100544"]
        assert is_valid_org_number(f"55{third}100-544{luhn_check_digit(body)}")
