"""The synthetic online-pharmacy data set, with truths planted on purpose (see data/sample/README.md).

A parent whose child has a cold finds the pharmacy through an ad, a social post or a search, considers
(symptom checker, product pages, reviews, the paediatrician-advice page), buys (cart, checkout, payment,
prescription upload), is served (order tracking, tickets) and comes back (refill reminder, newsletter,
reviews). Three behavioural personas travel differently; payment fails for some and hurts.

Every planted mess row (bad timestamp, missing id, wrong field count, duplicate) is *added* next to the clean
events, so the clean truth is exact: ``truth/truth.json`` holds the numbers a correct pipeline must find and
``truth/customer_personas.csv`` the hidden persona of each customer.

Memory stays bounded at any size: customers are generated and written in chunks of CHUNK.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

CHUNK = 20_000
ZONE = ZoneInfo("Europe/Amsterdam")
WINDOW_START = datetime(2026, 10, 1, tzinfo=UTC)
WINDOW_DAYS = 45

PERSONAS = {  # name: (share, devices, channels, local start hours)
    "quick_mobile": (
        0.45,
        {"mobile": 0.85, "desktop": 0.10, "app": 0.05},
        {"paid_social": 0.55, "display_ads": 0.45},
        (7, 8, 12, 13, 17, 18),
    ),
    "researcher": (
        0.35,
        {"desktop": 0.80, "mobile": 0.15, "app": 0.05},
        {"organic_search": 0.85, "referral": 0.15},
        (20, 21, 22, 23),
    ),
    "refiller": (
        0.20,
        {"app": 0.75, "desktop": 0.20, "mobile": 0.05},
        {"email": 0.70, "push": 0.30},
        (9, 10, 11, 14, 15, 16),
    ),
}

STAGE_OF = {
    "ad_click": "Awareness",
    "social_post": "Awareness",
    "search_result": "Awareness",
    "symptom_checker": "Consideration",
    "product_page": "Consideration",
    "read_reviews": "Consideration",
    "pediatrician_advice": "Consideration",
    "cart": "Decision",
    "checkout": "Decision",
    "payment": "Decision",
    "prescription_upload": "Decision",
    "order_confirmation": "Decision",
    "order_tracking": "Service",
    "refill_reminder": "Loyalty",
    "newsletter": "Loyalty",
    "write_review": "Loyalty",
}
STAGE_ORDER = {"Awareness": 1, "Consideration": 2, "Decision": 3, "Service": 4, "Loyalty": 5}

NAMES = ["Anna", "Sophie", "Daan", "Lucas", "Emma", "Noah", "Julia", "Sem", "Mila", "Liam", "Tess", "Finn"]
EMAILS = [
    "anna.dejong@example.nl",
    "j.smith@example.co.uk",
    "m.mueller@beispiel.de",
    "sophie+orders@example.com",
]
PHONES = [
    "+31 6 12345678",
    "06-12345678",
    "+44 7700 900123",
    "(555) 123-4567",
    "+49 151 2345 6789",
    "+33 6 12 34 56 78",
]
CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881", "3782 822463 10005"]
IBANS = [
    "NL91 ABNA 0417 1643 00",
    "DE89370400440532013000",
    "GB29 NWBK 6016 1331 9268 19",
    "BE68 5390 0754 7034",
]

# (category, label, text); {placeholders} are filled per ticket. Labels: neg / neu / pos (planted polarity).
TICKETS: dict[str, list[tuple[str, str]]] = {
    "payment": [
        (
            "neg",
            "I was charged twice for the same order and the payment still shows as failed. Please refund the second charge.",
        ),
        (
            "neg",
            "Card declined three times at checkout even though the card works everywhere else. Very frustrating with a sick child at home.",
        ),
        (
            "neg",
            "Payment failed but the money left my account. Still waiting for an answer, this is unacceptable.",
        ),
        ("neg", "Your payment page keeps timing out. I tried {n} times. Thanks for nothing."),
        ("neg", "Why was my card {card} charged when the order did not go through? I want my money back."),
        ("neg", "The payment screen froze and now I don't know if I paid or not. Please call me on {phone}."),
        (
            "neg",
            "Hello,\n\nthe payment failed again after I entered my card details.\nI have been trying since this morning and my son needs this medicine.\n\nRegards,\n{name}",
        ),
        ("neg", "Refund please. Charged twice, order cancelled, no confirmation e-mail. IBAN {iban}."),
        (
            "neg",
            "Terrible checkout. The bank app approved the payment, your site said it failed. I will cancel and order elsewhere.",
        ),
        ("neu", "Which payment methods do you accept? iDEAL did not show up on the payment page."),
        ("neu", "Can I pay on delivery instead of by card?"),
    ],
    "delivery": [
        ("neu", "Hi, could you tell me when order {order} will arrive?"),
        ("neu", "Where is my parcel? The tracking page shows it was handed to the courier yesterday."),
        ("neu", "Can I change the delivery address for order {order}? Thanks."),
        ("neu", "Is it possible to pick up my order at the pharmacy instead of home delivery?"),
        ("neu", "Please deliver to my neighbour at number 12 if I am not home."),
        ("neu", "Hello,\nwhat time slot will the courier come tomorrow?\nThank you,\n{name}"),
        ("pos", "Order arrived quickly, thank you! Just wondering where to find the receipt."),
        ("pos", "Great service, the package came the next morning. Can I get an invoice for order {order}?"),
        ("neg", "The parcel is late, the tracking has not updated for two days."),
    ],
    "prescription": [
        ("neu", "How long does it take to verify my prescription? I uploaded it yesterday."),
        ("neg", "My prescription upload keeps failing, the file is a normal PDF. Annoying."),
        ("neg", "The doctor's prescription was rejected without explanation. Please contact me at {email}."),
        ("neu", "Do you need the original paper prescription or is a photo enough?"),
        ("pos", "Thanks for the quick check of my prescription, very helpful pharmacist."),
    ],
    "account": [
        ("neu", "Please update my e-mail address to {email}."),
        ("neu", "I would like to unsubscribe from the newsletter."),
        ("pos", "The symptom checker helped a lot, thank you. Can I save my child's profile?"),
        ("neu", "Please change my phone number to {phone}."),
    ],
}
HOSTILE = [  # planted once each in the sample: must be escaped in HTML and neutralised in CSV
    ("payment", "neg", "<script>alert('x')</script> payment failed twice, I want a refund now"),
    ("payment", "neg", '=HYPERLINK("http://example.com/refund","Refund form") charged twice, awful'),
]


@dataclass
class Event:
    at: float  # UTC epoch seconds
    touchpoint: str


@dataclass
class Ticket:
    at: float
    category: str
    label: str
    body: str
    csat: int | None


@dataclass
class Customer:
    cid: str
    persona: str
    device: str
    channel: str
    events: list[Event] = field(default_factory=list)
    sessions: list[int] = field(default_factory=list)  # session number of each event
    tickets: list[Ticket] = field(default_factory=list)
    payment_failed: bool = False
    gave_up_after_failure: bool = False
    by_the_book: bool = False


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Journey:
    """Builds one customer's events step by step, with session gaps."""

    def __init__(self, rng: random.Random, start: float) -> None:
        self.rng = rng
        self.now = start
        self.events: list[Event] = []
        self.sessions: list[int] = []
        self.session = 1

    def step(self, touchpoint: str, lo: float = 15, hi: float = 150) -> None:
        if self.events:
            self.now += self.rng.uniform(lo, hi)
        self.events.append(Event(round(self.now), touchpoint))
        self.sessions.append(self.session)

    def same_second(self, touchpoint: str) -> None:
        """A second event in the same second (ties are decided by file order)."""
        self.events.append(Event(self.events[-1].at, touchpoint))
        self.sessions.append(self.session)

    def pause(self, lo_hours: float, hi_hours: float) -> None:
        self.now += self.rng.uniform(lo_hours, hi_hours) * 3600
        self.session += 1


def _start_time(rng: random.Random, hours: tuple[int, ...]) -> float:
    day = WINDOW_START + timedelta(days=rng.randrange(WINDOW_DAYS))
    local = day.astimezone(ZONE).replace(
        hour=rng.choice(hours), minute=rng.randrange(60), second=rng.randrange(60)
    )
    return local.timestamp()


def _payment(c: Customer, j: Journey, rng: random.Random, fail_p: float) -> bool:
    """Checkout and payment; a failure brings a ticket, retries, and often giving up. True if paid."""
    j.step("checkout")
    if rng.random() < 0.05:
        j.same_second("payment")
    else:
        j.step("payment", 10, 60)
    if rng.random() >= fail_p:
        j.step("order_confirmation", 2, 8)
        return True
    c.payment_failed = True
    if rng.random() < 0.75:
        tie = rng.random() < 0.2
        at = j.events[-1].at if tie else j.events[-1].at + rng.uniform(60, 1800)
        c.tickets.append(_ticket(rng, "payment", at, negative_bias=0.85))
    for _ in range(rng.choice((1, 1, 2))):
        j.step("payment", 60, 600)
    if rng.random() < 0.5:
        c.gave_up_after_failure = True
        return False
    j.step("order_confirmation", 2, 8)
    return True


def _after_purchase(
    c: Customer, j: Journey, rng: random.Random, tracking_p: float, loyalty: dict[str, float]
) -> None:
    if rng.random() < tracking_p:
        j.pause(4, 30)
        j.step("order_tracking")
        if rng.random() < 0.35:
            c.tickets.append(_ticket(rng, "delivery", j.events[-1].at + rng.uniform(120, 7200)))
        if rng.random() < 0.3:
            j.step("order_tracking", 3600, 20 * 3600)
    for touchpoint, p in loyalty.items():
        if rng.random() < p:
            j.pause(24, 24 * 6)
            j.step(touchpoint)


def _quick_mobile(c: Customer, j: Journey, rng: random.Random) -> None:
    if rng.random() < 0.1:
        j.step("social_post")
    j.step("ad_click" if rng.random() < 0.65 else "social_post")
    j.step("product_page")
    if rng.random() < 0.3:
        j.step("product_page")
    if rng.random() < 0.18:
        return  # looked, left
    if rng.random() < 0.15:
        j.step("read_reviews")
    j.step("cart")
    if rng.random() < 0.08:
        return  # abandoned cart
    if _payment(c, j, rng, fail_p=0.22):
        _after_purchase(c, j, rng, 0.7, {"newsletter": 0.1})


def _by_the_book(c: Customer, j: Journey, rng: random.Random) -> None:
    """A researcher who travels exactly the designed journey (planted: the conforming customers)."""
    c.by_the_book = True
    j.step("search_result")
    j.step("symptom_checker", 30, 240)
    j.step("pediatrician_advice", 30, 300)
    j.step("product_page", 30, 300)
    if rng.random() < 0.5:
        j.step("read_reviews", 30, 300)
    j.step("cart")
    j.step("checkout")
    j.step("payment", 10, 60)
    j.step("order_confirmation", 2, 8)
    j.pause(4, 30)
    j.step("order_tracking")


def _researcher(c: Customer, j: Journey, rng: random.Random) -> None:
    if rng.random() < 0.25:
        _by_the_book(c, j, rng)
        return
    j.step("search_result" if rng.random() < 0.85 else "social_post")
    if rng.random() < 0.9:
        j.step("symptom_checker", 30, 240)
    if rng.random() < 0.55:
        j.step("pediatrician_advice", 30, 300)
    for _ in range(rng.randint(2, 4)):
        j.step("product_page", 30, 300)
        if rng.random() < 0.5:
            j.step("read_reviews", 30, 300)
    if rng.random() < 0.15:
        return  # still thinking
    if rng.random() < 0.6:
        j.pause(6, 30)
        j.step("product_page")
    j.step("cart")
    if rng.random() < 0.45:  # planted: back from Decision to Consideration
        j.step("read_reviews" if rng.random() < 0.6 else "product_page", 30, 300)
        j.step("cart", 30, 300)
    if rng.random() < 0.06:
        return
    if _payment(c, j, rng, fail_p=0.15):
        _after_purchase(c, j, rng, 0.85, {"newsletter": 0.4, "write_review": 0.15})


def _refiller(c: Customer, j: Journey, rng: random.Random) -> None:
    j.step("refill_reminder")
    if rng.random() < 0.9:
        j.step("prescription_upload", 60, 600)
        if rng.random() < 0.2:
            c.tickets.append(_ticket(rng, "prescription", j.events[-1].at + rng.uniform(600, 7200)))
        j.pause(12, 48)  # verification of the prescription
    j.step("cart")
    if _payment(c, j, rng, fail_p=0.12):
        _after_purchase(c, j, rng, 0.8, {"write_review": 0.3})


BUILDERS = {"quick_mobile": _quick_mobile, "researcher": _researcher, "refiller": _refiller}


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        n=rng.randint(3, 6),
        card=rng.choice(CARDS),
        phone=rng.choice(PHONES),
        name=rng.choice(NAMES),
        iban=rng.choice(IBANS),
        email=rng.choice(EMAILS),
        order=rng.randint(100000, 999999),
    )


def _ticket(rng: random.Random, category: str, at: float, negative_bias: float = 0.0) -> Ticket:
    bank = TICKETS[category]
    if negative_bias and rng.random() < negative_bias:
        bank = [t for t in bank if t[0] == "neg"]
    label, template = rng.choice(bank)
    csat_by_label = {"neg": (1, 2), "neu": (3, 4), "pos": (4, 5)}
    csat = rng.randint(*csat_by_label[label]) if rng.random() < 0.7 else None
    return Ticket(round(at), category, label, _fill(rng, template), csat)


def _return_start(rng: random.Random, after: float, hours: tuple[int, ...]) -> float:
    """When a returning customer starts the next journey: a week to two months later, at a persona hour."""
    day = datetime.fromtimestamp(after + rng.uniform(7, 60) * 86400, ZONE)
    local = day.replace(hour=rng.choice(hours), minute=rng.randrange(60), second=rng.randrange(60))
    return max(local.timestamp(), after + 3600)


def make_customer(index: int, seed: int, journeys: int = 1) -> Customer:
    """One customer, fully determined by (index, seed, journeys).

    With ``journeys`` above 1 the customer comes back: 1 to 2·journeys − 1 journeys (``journeys`` on average),
    each travelled the persona's way, a week to two months apart, each a new session. One case then holds several
    purchases, so nearly every case is its own variant (the long tail of a real year of clickstream).
    """
    rng = random.Random(f"{seed}:{index}")
    persona = rng.choices(list(PERSONAS), weights=[p[0] for p in PERSONAS.values()])[0]
    _, devices, channels, hours = PERSONAS[persona]
    c = Customer(f"cus_{index:07d}", persona, _pick(rng, devices), _pick(rng, channels))
    j = Journey(rng, _start_time(rng, hours))
    BUILDERS[persona](c, j, rng)
    if journeys > 1:
        visits = rng.randint(1, 2 * journeys - 1)
        for _ in range(visits - 1):
            j.now = _return_start(rng, j.now, hours)
            j.session += 1
            BUILDERS[persona](c, j, rng)
        c.by_the_book = c.by_the_book and visits == 1  # the assumed journey is one purchase
    c.events, c.sessions = j.events, j.sessions
    if not c.by_the_book and rng.random() < 0.03:  # an account question, sometimes long after the last visit
        last = c.events[-1].at
        c.tickets.append(_ticket(rng, "account", last + rng.uniform(600, 20 * 86400)))
    c.tickets.sort(key=lambda t: t.at)
    return c


# Formatting -------------------------------------------------------------------------------------------
_offset_cache: dict[int, int] = {}


def _offset_seconds(at: float) -> int:
    hour = int(at) // 3600
    if hour not in _offset_cache:
        off = datetime.fromtimestamp(hour * 3600, ZONE).utcoffset()
        _offset_cache[hour] = int(off.total_seconds()) if off else 0
    return _offset_cache[hour]


def _is_ambiguous_local(at: float) -> bool:
    """True when the local wall time of `at` occurs twice (the hour the clocks go back)."""
    local = datetime.fromtimestamp(at, ZONE).replace(tzinfo=None)
    return local.replace(tzinfo=ZONE, fold=0).utcoffset() != local.replace(tzinfo=ZONE, fold=1).utcoffset()


def format_ts(at: float, style: int) -> str:
    """0: UTC with Z; 1: local with offset; 2: local without offset (read in Europe/Amsterdam)."""
    if style == 0:
        return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    off = _offset_seconds(at)
    local = datetime.fromtimestamp(at + off, UTC).strftime("%Y-%m-%d %H:%M:%S")
    if style == 2 and not _is_ambiguous_local(at):
        return local
    sign = "+" if off >= 0 else "-"
    return f"{local.replace(' ', 'T')}{sign}{abs(off) // 3600:02d}:{abs(off) % 3600 // 60:02d}"


CLICK_HEADERS = {
    "2026-10": ["ts", "customer_id", "session_id", "event", "device", "channel"],
    "2026-11": ["customer_id", "ts", "event", "session_id", "channel", "device"],  # a later export, reordered
}
TICKET_HEADER = ["ticket_id", "customer_id", "created_at", "category", "body", "csat"]
BAD_TIMESTAMPS = ["not a date", "2026-13-01 10:00:00", "32/10/2026 25:61", "yesterday 10am", "2026-10-0"]


@dataclass
class Tally:
    rows_in: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    files: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        rejected = sum(self.rejected.values())
        return {
            "files": len(self.files),
            "rows_in": self.rows_in,
            "rows_loaded": self.rows_in - rejected - self.duplicates,
            "rows_rejected": rejected,
            "duplicates_dropped": self.duplicates,
            "rejected_by_reason": dict(sorted(self.rejected.items())),
        }


def _month(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m")


def write_sample(out: str | Path, customers: int = 5000, seed: int = 7, journeys: int = 1) -> dict[str, Any]:
    """Write clickstream_<month>.csv files, tickets.csv and truth/ into `out`; returns the truth.

    ``journeys``: purchases per customer on average (see make_customer); 1 is the committed sample.
    """
    if journeys < 1:
        raise ValueError(f"journeys must be at least 1, got {journeys}")
    chunk = max(1, CHUNK // journeys)  # rows held in memory per chunk stay about the same
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    for old in out.glob("clickstream_*.csv"):
        old.unlink()
    click_files: dict[str, Any] = {}
    writers: dict[str, Any] = {}
    click, tick = Tally(), Tally()
    truth = _Truth()
    ticket_fh = (out / "tickets.csv").open("w", encoding="utf-8-sig", newline="")
    ticket_w = csv.writer(ticket_fh, lineterminator="\r\n")  # a CRM export from Windows: BOM and CRLF
    ticket_w.writerow(TICKET_HEADER)
    tick.files.add("tickets.csv")
    persona_fh = (out / "truth" / "customer_personas.csv").open("w", encoding="utf-8", newline="")
    persona_w = csv.writer(persona_fh)
    persona_w.writerow(["customer_id", "persona"])
    ticket_no = 0
    hostile = list(HOSTILE)
    try:
        for chunk_start in range(0, customers, chunk):
            rng = random.Random(f"{seed}:chunk:{chunk_start}")
            rows: list[tuple[float, int, str, dict[str, str]]] = []  # (at, order, month, row by column name)
            ticket_rows: list[tuple[float, list[str]]] = []
            order = 0
            for index in range(chunk_start, min(customers, chunk_start + chunk)):
                c = make_customer(index, seed, journeys)
                if hostile and index % 997 >= 3 and not c.by_the_book:
                    category, label, body = hostile.pop(0)
                    c.tickets.append(Ticket(c.events[-1].at + 90, category, label, body, 1))
                truth.add(c)
                persona_w.writerow([c.cid, c.persona])
                session_ids = [f"s{index:07d}-{n}" for n in range(1, max(c.sessions) + 1)]
                for e, s in zip(c.events, c.sessions, strict=True):
                    style = rng.choices((0, 1, 2), weights=(5, 3, 2))[0]
                    row = {
                        "ts": format_ts(e.at, style),
                        "customer_id": c.cid,
                        "session_id": session_ids[s - 1],
                        "event": e.touchpoint,
                        "device": c.device,
                        "channel": c.channel,
                    }
                    rows.append((e.at, order, _month(e.at), row))
                    order += 1
                    click.rows_in += 1
                    if rng.random() < 0.02:  # exact duplicate, sometimes written with another offset
                        dup = dict(row, ts=format_ts(e.at, rng.choice((0, 1))))
                        rows.append((e.at, order, _month(e.at), dup))
                        order += 1
                        click.rows_in += 1
                        click.duplicates += 1
                for t in c.tickets:
                    ticket_no += 1
                    ticket_rows.append(
                        (
                            t.at,
                            [
                                f"T{ticket_no:08d}",
                                c.cid,
                                format_ts(t.at, rng.choice((0, 1, 2))),
                                t.category,
                                t.body,
                                "" if t.csat is None else str(t.csat),
                            ],
                        )
                    )
                    tick.rows_in += 1
            # Planted mess, added next to the clean rows (never replacing them).
            n = min(customers, chunk_start + chunk) - chunk_start
            n_clean = len(rows)
            for kind, count in (
                ("missing customer id", n // 200 + 1),
                ("unparseable timestamp", n // 250 + 1),
                ("wrong number of fields", n // 500 + 1),
            ):
                for _ in range(count):
                    at, _o, month, row = rows[rng.randrange(n_clean)]
                    bad = dict(row)
                    if kind == "missing customer id":
                        bad["customer_id"] = ""
                    elif kind == "unparseable timestamp":
                        bad["ts"] = rng.choice(BAD_TIMESTAMPS)
                    else:
                        bad["__fields"] = "short" if rng.random() < 0.5 else "long"
                    rows.append((at, order, month, bad))
                    order += 1
                    click.rows_in += 1
                    click.rejected[kind] += 1
            rows.sort(key=lambda r: (r[0], r[1]))
            for _at, _o, month, row in rows:
                if month not in writers:
                    fh = (out / f"clickstream_{month}.csv").open("w", encoding="utf-8", newline="")
                    click_files[month] = fh
                    writers[month] = csv.writer(fh, lineterminator="\n")
                    writers[month].writerow(CLICK_HEADERS.get(month, CLICK_HEADERS["2026-10"]))
                    click.files.add(month)
                header = CLICK_HEADERS.get(month, CLICK_HEADERS["2026-10"])
                values = [row[h] for h in header]
                if row.get("__fields") == "short":
                    values = values[:3]
                elif row.get("__fields") == "long":
                    values = [*values, "extra"]
                writers[month].writerow(values)
            # Ticket mess: one without a customer id and one exact duplicate per chunk.
            if ticket_rows:
                n_clean = len(ticket_rows)
                at, r = ticket_rows[rng.randrange(n_clean)]
                ticket_rows.append((at, [r[0] + "-x", "", *r[2:]]))
                tick.rows_in += 1
                tick.rejected["missing customer id"] += 1
                at, r = ticket_rows[rng.randrange(n_clean)]
                ticket_rows.append((at, list(r)))
                tick.rows_in += 1
                tick.duplicates += 1
            ticket_rows.sort(key=lambda r: r[0])
            for _at, r in ticket_rows:
                ticket_w.writerow(r)
    finally:
        ticket_fh.close()
        persona_fh.close()
        for fh in click_files.values():
            fh.close()
    result = truth.finish(customers, seed)
    if journeys > 1:  # the committed sample's truth.json keeps its bytes
        result["journeys_per_customer"] = journeys
    result["clickstream"] = click.as_dict()
    result["tickets"] = tick.as_dict()
    (out / "truth" / "truth.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


class _Truth:
    """Counts the planted facts over the clean events while customers stream past."""

    def __init__(self) -> None:
        self.personas: Counter[str] = Counter()
        self.events = self.tickets = 0
        self.stage_customers: Counter[str] = Counter()
        self.never_pediatrician = 0
        self.backtrack_decision_consideration = 0
        self.backtrack_to: Counter[str] = Counter()
        self.backtrack_loyalty_decision = 0
        self.by_the_book = 0
        self.reached_payment = self.payment_failed = self.gave_up = 0
        self.payment_ticket_customers = 0
        self.tickets_by_category: Counter[str] = Counter()
        self.negative_by_category: Counter[str] = Counter()
        self.labels: Counter[str] = Counter()

    def add(self, c: Customer) -> None:
        self.personas[c.persona] += 1
        self.events += len(c.events) + len(c.tickets)
        self.tickets += len(c.tickets)
        touchpoints = [e.touchpoint for e in c.events]
        stages = {STAGE_OF[t] for t in touchpoints}
        if c.tickets:
            stages.add("Service")
        for s in stages:
            self.stage_customers[s] += 1
        self.never_pediatrician += "pediatrician_advice" not in touchpoints
        orders = [STAGE_ORDER[STAGE_OF[t]] for t in touchpoints]
        self.backtrack_decision_consideration += any(a == 3 and b == 2 for a, b in itertools.pairwise(orders))
        self.backtrack_loyalty_decision += any(a == 5 and b == 3 for a, b in itertools.pairwise(orders))
        for a, b in {(a, b) for a, b in itertools.pairwise(touchpoints)}:
            if STAGE_ORDER[STAGE_OF[a]] == 3 and STAGE_ORDER[STAGE_OF[b]] == 2:
                self.backtrack_to[b] += 1
        self.by_the_book += c.by_the_book
        if "payment" in touchpoints:
            self.reached_payment += 1
        self.payment_failed += c.payment_failed
        self.gave_up += c.gave_up_after_failure
        self.payment_ticket_customers += any(t.category == "payment" for t in c.tickets)
        for t in c.tickets:
            self.tickets_by_category[t.category] += 1
            self.negative_by_category[t.category] += t.label == "neg"
            self.labels[t.label] += 1

    def finish(self, customers: int, seed: int) -> dict[str, Any]:
        return {
            "seed": seed,
            "customers": customers,
            "events": self.events,
            "tickets_loaded": self.tickets,
            "personas": dict(sorted(self.personas.items())),
            "stage_customers": {s: self.stage_customers[s] for s in STAGE_ORDER},
            "planted": {
                "skipped_step": {
                    "touchpoint": "pediatrician_advice",
                    "customers_never": self.never_pediatrician,
                    "share": round(self.never_pediatrician / customers, 6),
                },
                "backtrack": {
                    "from_stage": "Decision",
                    "to_stage": "Consideration",
                    "customers": self.backtrack_decision_consideration,
                    "share": round(self.backtrack_decision_consideration / customers, 6),
                    "customers_by_touchpoint": dict(sorted(self.backtrack_to.items())),
                },
                "refill_loop": {
                    "from_stage": "Loyalty",
                    "to_stage": "Decision",
                    "customers": self.backtrack_loyalty_decision,
                    "note": "refillers start at refill_reminder (Loyalty) and then buy: a Loyalty -> Decision step",
                },
                "by_the_book": {
                    "customers": self.by_the_book,
                    "note": "researchers who travel exactly the assumed journey of journey.yml",
                },
                "pain_point": {
                    "touchpoint": "payment",
                    "customers_reaching": self.reached_payment,
                    "customers_with_failure": self.payment_failed,
                    "customers_gave_up": self.gave_up,
                    "customers_with_payment_ticket": self.payment_ticket_customers,
                },
                "neutral_busy_touchpoint": {"touchpoint": "order_tracking", "ticket_category": "delivery"},
            },
            "tickets_by_category": dict(sorted(self.tickets_by_category.items())),
            "negative_tickets_by_category": dict(sorted(self.negative_by_category.items())),
            "ticket_labels": dict(sorted(self.labels.items())),
        }
