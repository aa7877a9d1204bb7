"""Personal data out of ticket text before it leaves the warehouse (quotes, tables, the report).

Replaced, in this order: e-mail addresses → ``[email]``; IBANs → ``[iban]``; card numbers (13–19 digits,
spaces or dashes allowed, Luhn-valid) → ``[card]``; other long digit runs that look like card or account
numbers (13–19 digits) → ``[number]``; an account number after a word such as "account", "acct",
"rekeningnummer", "Kontonummer", "compte" → ``[account]``; US social security numbers → ``[id]``; phone
numbers in international (+31 6 1234 5678, 0044 …) and national formats (06-12345678, 020 123 4567,
(555) 123-4567, 07700 900123, 06 12 34 56 78) → ``[phone]``.

Left alone on purpose: order numbers and other short numbers (fewer than 9 digits), dates, times, prices,
versions. Redaction is conservative about shapes, not about context: a 10-digit number written like a phone
number is treated as one.
"""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}[ ]?(?:[A-Z0-9]{4}[ ]?){2,7}[A-Z0-9]{1,4}\b", re.IGNORECASE)
# Card and account numbers never start with 0 or follow a "+" (those are phone numbers).
DIGIT_RUN = re.compile(r"(?<![\d.,+])[1-9](?:[ -]?\d){12,18}(?![\d.,]\d)")
ACCOUNT = re.compile(
    r"\b((?:bank\s+)?(?:account|acct|a/c|rekening(?:nummer)?|konto(?:nummer)?|compte|iban)"
    r"(?:\s*(?:no\.?|number|nr\.?|num\.?|#))?\s*[:#]?\s*)(\d[\d -]{4,}\d)",
    re.IGNORECASE,
)
SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
PHONE = re.compile(
    r"(?:(?<![\w+])(?:\+|00)\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?(?:\(?\d{1,4}\)?[\s.-]?){1,5}\d{2,4})"  # international
    r"|(?:\(\d{3}\)\s?\d{3}[\s.-]\d{4})"  # (555) 123-4567
    r"|(?:(?<![\w-])\d{3}[.-]\d{3}[.-]\d{4}(?!\d))"  # 555-123-4567
    r"|(?:(?<![\w-])0\d{1,4}(?:[\s.-]?\d{2,4}){2,4}(?![\w]))"  # national, leading 0
)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digit_run(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card]" if _luhn_ok(digits) else "[number]"


def _phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[phone]" if 9 <= len(digits) <= 15 else match.group(0)


def redact(text: str | None) -> str | None:
    """Text with e-mail addresses, phone, card, IBAN and account numbers replaced by placeholders."""
    if text is None:
        return None
    out = EMAIL.sub("[email]", text)
    out = IBAN.sub(lambda m: "[iban]" if sum(c.isdigit() for c in m.group(0)) >= 8 else m.group(0), out)
    out = ACCOUNT.sub(lambda m: m.group(1) + "[account]", out)
    out = DIGIT_RUN.sub(_digit_run, out)
    out = SSN.sub("[id]", out)
    return PHONE.sub(_phone, out)
