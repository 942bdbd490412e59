"""Users, accounts and their health signals (support cases, NPS answers) for the generator.

Names and domains are unique by construction, not by checking: account N maps through a
bijection onto (first word, second word) pairs, and every further lap over those pairs adds
a regional qualifier, then a numeral. So account N gets the same name at every dataset size,
and nothing has to remember the names already used.

An account has a latent health (0-100) that drives its seat usage, case load, NPS answers and
(in the chain policy) how likely it is to renew, so the signals agree with each other the way
they do in a real book of business.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from random import Random

from crm_sandbox._gen_catalog import below, chance, choose, pick
from crm_sandbox._gen_chains import Keys
from crm_sandbox.records import GenAccount, GenCase, GenFeedback, GenNps, GenUser


def _words(text: str) -> tuple[str, ...]:
    """Word lists kept as prose so they stay short to read."""
    return tuple(text.split())


_FIRST = _words(
    "Amara Ben Carla Dev Elena Farid Grace Hiro Ines Jonas Kai Lena Mateo Nadia Omar Priya "
    "Quinn Rosa Sam Tara Uma Victor Wen Yara Zoe Aiden Bea Chen Dario Emma Felix Gita Hugo "
    "Ivy Jack Kofi Lucia Marco Nina Oscar"
)

_LAST = _words(
    "Adams Baker Costa Dubois Evans Fischer Garcia Hansen Ito Jensen Kowalski Larsen Moreau "
    "Nguyen Okafor Patel Quinto Rossi Silva Tanaka Ueda Vargas Weber Xu Yilmaz Zhang Brandt "
    "Conti Dahl Eriksen Ferreira Gomez Haas Iqbal Jovanovic Keller Lindqvist Mendes Novak Ortiz"
)

_WORD_A = _words(
    "Acme Apex Arbor Argent Aspen Atlas Aurora Beacon Birch Blue Bolt Boreal Bright Cascade "
    "Cedar Citadel Clear Cobalt Comet Copper Coral Crest Crystal Delta Eagle Echo Ember Emerald "
    "Evergreen Falcon Fern Fjord Flint Forge Fox Frontier Gale Garnet Glacier Golden Granite "
    "Harbor Hawk Helix Highland Horizon Indigo Iron Ivory Jade Juniper Keystone Kestrel Lake "
    "Lantern Laurel Legacy Liberty Lighthouse Linden Lumen Lynx Maple Marble Meadow Meridian "
    "Mesa Metro Midway Mosaic Nimbus Noble North Northwind Nova Oak Obsidian Ocean Onyx Orbit "
    "Orchid Pacific Palisade Peak Pine Pioneer Pixel Polar Prairie Prism Quarry Quartz Radiant "
    "Raven Redwood Ridge River Riverside Rock Sable Sage Sapphire Sequoia Sierra Silver Slate "
    "Solstice Spruce Starling Sterling Stone Summit Sun Tidal Timber Topaz Trail Tundra Union "
    "Valley Vertex Willow Zenith"
)

_WORD_B = _words(
    "Analytics Apparel Biotech Brewing Builders Capital Chemicals Clinics Cloud Consulting "
    "Dairy Data Dental Devices Digital Dynamics Education Electric Energy Engineering Farms "
    "Fibers Finance Fitness Foods Freight Games Genomics Glass Goods Health Hospitality "
    "Housing Imaging Industries Insurance Interiors Labs Learning Legal Logistics Machines "
    "Marine Materials Media Medical Metals Mining Mobility Motors Networks Optics Outdoors "
    "Packaging Paper Partners Payments Pharma Plastics Power Printing Publishing Realty "
    "Recycling Research Retail Robotics Security Semiconductors Shipping Software Solar "
    "Sports Staffing Steel Studios Systems Telecom Textiles Tools Transit Travel Ventures Water"
)

_QUALIFIERS = _words(
    "Nordic Pacific Atlantic Midwest Alpine Iberia Benelux Baltic Andes Gulf Coastal Central "
    "Southern Northern Eastern Western Highlands Lowlands Metro Continental Overseas Global "
    "Americas Europe Asia Africa Oceania Levant Danube Rhine Thames Hudson Yukon Sahara Tasman "
    "Aegean Adriatic Caribbean Celtic Saxon Bavaria Bohemia Cascadia Dakota Sonora Patagonia"
)

_LEGAL = (
    ("Inc", 30),
    ("LLC", 15),
    ("Corp", 15),
    ("Ltd", 12),
    ("GmbH", 8),
    ("Group", 8),
    ("SA", 5),
    ("BV", 4),
    ("AB", 3),
)
_PUBLIC = (("Authority", 35), ("Council", 25), ("Agency", 25), ("Department", 15))
_TLD = ((".com", 70), (".io", 12), (".co", 10), (".net", 8))
_SUBJECTS = (
    "Cannot log in with SSO",
    "Dashboard loads slowly",
    "Export to CSV fails",
    "Invoice does not match the contract",
    "Add seats for a new team",
    "API returns 429 during nightly sync",
    "Question about the renewal quote",
    "Report totals look wrong",
    "User provisioning via SCIM stopped",
    "Request for a data processing agreement",
    "Storage limit reached",
    "Webhook deliveries delayed",
    "How do I reset a user's MFA?",
    "Integration with the data warehouse broken",
    "Feature request: custom roles",
)
_SEGMENTS = (("standard", 60), ("high_touch", 15), ("long_tail", 20), ("public_sector", 5))
_SEATS = {
    "standard": (20, 200),
    "high_touch": (100, 2_000),
    "long_tail": (3, 25),
    "public_sector": (50, 500),
}
_CASES = {"standard": 5, "high_touch": 8, "long_tail": 2, "public_sector": 6}
_PRIORITY_HOURS = {"High": 12, "Medium": 48, "Low": 120}
_DAY_SECONDS = 86_400
ACCOUNTS_PER_OWNER_BLOCK = 120  # three owners share each block of 120 accounts: ~40 each


def make_users(count: int) -> tuple[GenUser, ...]:
    """`count` sales users with unique emails (a numeral only once the names run out)."""
    return tuple(_user(n) for n in range(1, count + 1))


def _user(n: int) -> GenUser:
    pairs = len(_FIRST) * len(_LAST)
    lap, index = divmod(n - 1, pairs)
    first, last = divmod(index * 613 % pairs, len(_LAST))
    name = f"{_FIRST[first]} {_LAST[last]}"
    email = f"{_FIRST[first]}.{_LAST[last]}{lap or ''}@vendor.example".lower()
    return GenUser(f"USR-{n:04d}", name, email)


def owner_number(rng: Random, account_number: int, users: int) -> int:
    """Three owners per block of 120 accounts, so account N's owner never depends on size."""
    block = (account_number - 1) // ACCOUNTS_PER_OWNER_BLOCK
    return (3 * block + below(rng, 3)) % users + 1


def make_account(rng: Random, number: int, users: int) -> tuple[GenAccount, int]:
    """Account `number` and its latent health (0-100)."""
    segment = pick(rng, _SEGMENTS)
    health = 40 + below(rng, 61) if chance(rng, 80) else below(rng, 60)
    low, high = _SEATS[segment]
    licensed = low + below(rng, high + 1 - low)
    usage_percent = min(110, 25 + health * 3 // 4 + below(rng, 15))
    name, slug = account_name(number)
    suffix = pick(rng, _PUBLIC if segment == "public_sector" else _LEGAL)
    tld = ".gov" if segment == "public_sector" else pick(rng, _TLD)
    account = GenAccount(
        key=f"ACC-{number:06d}",
        name=f"{name} {suffix}",
        domain=f"{slug}{tld}",
        owner_key=f"USR-{owner_number(rng, number, users):04d}",
        segment=segment,
        licensed_seats=licensed,
        active_seats=max(1, licensed * usage_percent // 100),
    )
    return account, health


def account_name(number: int) -> tuple[str, str]:
    """A unique (display name, domain slug) for account `number`."""
    pairs = len(_WORD_A) * len(_WORD_B)
    lap, index = divmod(number - 1, pairs)
    first, second = divmod(index * 7919 % pairs, len(_WORD_B))
    words = [_WORD_A[first], _WORD_B[second]]
    if lap:
        words.append(_QUALIFIERS[(lap - 1) % len(_QUALIFIERS)])
        if lap > len(_QUALIFIERS):
            words.append(str((lap - 1) // len(_QUALIFIERS) + 1))
    return " ".join(words), "-".join(words).lower()


def make_cases(
    rng: Random, account: GenAccount, health: int, today: date, *, keys: Keys
) -> tuple[GenCase, ...]:
    """0-8 cases opened in the 180 days before `today`; unhealthy accounts file more, worse."""
    now = datetime.combine(today, time(0), tzinfo=UTC)
    count = min(8, below(rng, _CASES[account.segment] + 1) + (100 - health) // 35)
    high = 10 + (100 - health) // 5
    cases = []
    for _ in range(count):
        keys.case += 1
        priority = pick(rng, (("High", high), ("Medium", 50), ("Low", 40)))
        created = now - timedelta(seconds=1 + below(rng, 180 * _DAY_SECONDS))
        hours = 1 + below(rng, 2 * _PRIORITY_HOURS[priority])
        closed_at = created + timedelta(hours=hours, seconds=below(rng, 3_600))
        closed = closed_at <= now and chance(rng, 93)
        cases.append(
            GenCase(
                f"CAS-{keys.case:07d}",
                account.key,
                choose(rng, _SUBJECTS),
                priority,
                closed,
                created,
                closed_at if closed else None,
            )
        )
    return tuple(cases)


def make_nps(
    rng: Random, account: GenAccount, health: int, today: date, *, keys: Keys
) -> tuple[GenNps, ...]:
    """0-3 survey answers (0-10) in the last year, centred on the account's health."""
    now = datetime.combine(today, time(0), tzinfo=UTC)
    answers = []
    for _ in range(pick(rng, ((0, 30), (1, 35), (2, 25), (3, 10)))):
        keys.nps += 1
        score = max(0, min(10, (health + 15) // 10 - 2 + below(rng, 5)))
        submitted = now - timedelta(seconds=1 + below(rng, 365 * _DAY_SECONDS))
        answers.append(GenNps(f"NPS-{keys.nps:07d}", account.key, score, submitted))
    return tuple(answers)


def make_feedback(
    rng: Random, account: GenAccount, health: int, today: date, *, keys: Keys
) -> tuple[GenFeedback, ...]:
    """0-3 CSAT or CES answers in the last year; healthier accounts answer more positively."""
    now = datetime.combine(today, time(0), tzinfo=UTC)
    answers = []
    for _ in range(pick(rng, ((0, 40), (1, 30), (2, 20), (3, 10)))):
        keys.feedback += 1
        roll = below(rng, 100)
        sentiment = "positive" if roll < health else "neutral" if roll < health + 20 else "negative"
        survey = "CSAT" if below(rng, 3) else "CES"
        submitted = now - timedelta(seconds=1 + below(rng, 365 * _DAY_SECONDS))
        key = f"FB-{keys.feedback:07d}"
        answers.append(GenFeedback(key, account.key, survey, sentiment, submitted))
    return tuple(answers)
