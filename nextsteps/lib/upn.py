"""Unique Pupil Numbers (England): format and check letter.

A UPN is 13 characters: a check letter, then twelve characters (local authority number,
establishment number, year of allocation, serial). A temporary UPN ends in a letter instead of
a digit. The check letter is the weighted sum of characters 2-13 (weights 2..13) modulo 23,
read from a 23-letter alphabet that leaves out I, O and S; that alphabet also gives a letter's
value when a temporary UPN's last character is a letter.
"""

from dataclasses import dataclass

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"


class UPNError(ValueError):
    """A UPN that cannot be right, with a message a person can act on."""


@dataclass(frozen=True)
class UPN:
    value: str
    temporary: bool

    def __str__(self) -> str:
        return self.value


def check_letter(body: str) -> str:
    """The check letter for the twelve characters after it."""
    if len(body) != 12:
        raise UPNError("a UPN has 12 characters after its check letter")
    total = 0
    for weight, char in enumerate(body, start=2):
        if char.isdigit():
            total += int(char) * weight
        elif char in ALPHABET and weight == 13:
            total += ALPHABET.index(char) * weight
        else:
            raise UPNError(f"'{char}' cannot stand at position {weight} of a UPN")
    return ALPHABET[total % 23]


def parse_upn(raw: str) -> UPN:
    """Validate a UPN, ignoring spaces and case. Raises UPNError saying what is wrong."""
    value = "".join(str(raw).split()).upper()
    if not value:
        raise UPNError("the UPN is empty")
    if len(value) != 13:
        raise UPNError(f"a UPN has 13 characters; '{value}' has {len(value)}")
    first, body = value[0], value[1:]
    if first not in ALPHABET:
        raise UPNError(
            f"a UPN starts with a check letter (not I, O or S); '{value}' starts with '{first}'"
        )
    if not body[:11].isdigit():
        raise UPNError(f"characters 2 to 12 of a UPN are digits; '{value}' has other characters")
    last = body[11]
    if not (last.isdigit() or last in ALPHABET):
        raise UPNError("the last character of a UPN is a digit, or a letter for a temporary UPN")
    expected = check_letter(body)
    if first != expected:
        raise UPNError(
            f"the check letter of '{value}' does not match its digits (expected '{expected}'): "
            "check for a mistyped character"
        )
    return UPN(value=value, temporary=last.isalpha())


def make_upn(
    la: int, establishment: int, year: int, serial: int, temporary_letter: str = ""
) -> str:
    """Build a valid UPN, for demo data and tests. A temporary UPN replaces the last digit."""
    body = f"{la:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    if temporary_letter:
        body = body[:11] + temporary_letter.upper()
    return check_letter(body) + body
