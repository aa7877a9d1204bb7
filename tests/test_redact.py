"""Personal data is redacted in realistic formats from several countries; ordinary numbers are kept."""

from __future__ import annotations

import pytest

from pipeline.redact import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # e-mail
        ("Contact me at anna.dejong@example.nl please", "Contact me at [email] please"),
        ("mail: j.smith+orders@mail.example.co.uk.", "mail: [email]."),
        # phones: NL, UK, US, DE, FR, BE, international prefixes
        ("call +31 6 12345678 today", "call [phone] today"),
        ("bel 06-12345678 of 020-1234567", "bel [phone] of [phone]"),
        ("my number is 0031 6 1234 5678", "my number is [phone]"),
        ("UK mobile +44 7700 900123 or 07700 900123", "UK mobile [phone] or [phone]"),
        ("US (555) 123-4567 / 555-123-4567 / +1 555 123 4567", "US [phone] / [phone] / [phone]"),
        ("Handy +49 151 23456789, Büro 030 12345678", "Handy [phone], Büro [phone]"),
        ("appelez le +33 6 12 34 56 78 ou 06 12 34 56 78", "appelez le [phone] ou [phone]"),
        ("GSM +32 470 12 34 56", "GSM [phone]"),
        ("+44 (0) 20 7946 0958", "[phone]"),
        # cards: Visa, Mastercard with dashes, Amex 15 digits, Discover
        ("card 4111 1111 1111 1111 was charged twice", "card [card] was charged twice"),
        ("5500-0000-0000-0004", "[card]"),
        ("amex 378282246310005.", "amex [card]."),
        ("6011111111111117", "[card]"),
        ("number 1234 5678 9012 3456 is not a valid card", "number [number] is not a valid card"),
        # IBANs: NL, DE, GB, FR, BE, compact and grouped
        ("IBAN NL91ABNA0417164300", "IBAN [iban]"),
        ("refund to NL91 ABNA 0417 1643 00 please", "refund to [iban] please"),
        ("DE89 3704 0044 0532 0130 00", "[iban]"),
        ("GB29NWBK60161331926819", "[iban]"),
        ("FR14 2004 1010 0505 0001 3M02 606", "[iban]"),
        ("BE68 5390 0754 7034", "[iban]"),
        # account numbers after a keyword, several languages
        ("account no. 123456789", "account no. [account]"),
        ("my bank account number: 12-34-567890", "my bank account number: [account]"),
        ("rekeningnummer 123456789", "rekeningnummer [account]"),
        ("Kontonummer 0532013000", "Kontonummer [account]"),
        ("SSN 123-45-6789", "SSN [id]"),
    ],
)
def test_personal_data_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "When will order 483920 arrive?",
        "I ordered on 2026-10-05 at 10:00 and paid € 49.95",
        "tried 3 times, version 2.1.3, ticket T00001234",
        "It costs 1,299.00 EUR",
        "Order 12345678 still not here",
    ],
)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert redact(text) == text


def test_none_and_multiline() -> None:
    assert redact(None) is None
    assert redact("Hello,\ncall me on 06-12345678\nRegards") == "Hello,\ncall me on [phone]\nRegards"
