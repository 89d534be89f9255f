"""The demo organisation: three markets, six teams, about a hundred people and weeks of conversations.

``build_demo_organisation`` fills an empty database with a realistic, reproducible support
organisation: the same ``seed`` and ``now`` always give the same rows. Conversations follow each
queue's local intraday curve (peaks late morning and early afternoon, quiet at night), a weekly
curve (quieter weekends) and the market's public holidays, and go to agents of the serving team who
were on shift and active or nesting at the time. ``manage.py seed_demo`` is the command around it.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from . import services
from .choices import (
    CONCURRENT_CHANNELS,
    LIVE_CHANNELS,
    AgentStatus,
    AuthorRole,
    Channel,
    ConversationSource,
    EmploymentType,
    Role,
    SkillKind,
    Tier,
)
from .models import (
    Agent,
    AgentSkill,
    AgentStatusChange,
    Conversation,
    ConversationMessage,
    Market,
    Queue,
    Skill,
    Team,
)

DEMO_PASSWORD = "supportops"
DEMO_EMAIL_DOMAIN = "demo.supportops.example"
MAX_WEEKS = 26

# (username, role label, what they see) — printed by ``seed_demo`` and documented in the README.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("admin", "Admin", "Everything, including the Django admin (/admin/): markets, teams, queues, users and roles."),
    ("manager", "Manager", "The two Singapore teams they lead (SG Payments Voice, SG Chat): agents and conversations."),
    ("qa", "QA reviewer", "The three teams assigned for review (SG Payments Voice, SG Chat, MNL Tier 1 Chat)."),
    (
        "agent",
        "Agent",
        "Their own profile, team and conversations: an active L1 agent on SG Chat, reporting to manager.",
    ),
    ("newhire", "Agent", "An SG Chat new hire in onboarding: My onboarding shows the new-hire path."),
]


class DemoError(Exception):
    """The demo organisation cannot be built here (production settings, existing data or names)."""


@dataclass(frozen=True)
class DemoSummary:
    """What ``build_demo_organisation`` created."""

    markets: int
    teams: int
    skills: int
    queues: int
    users: int
    agents: int
    agents_by_status: tuple[tuple[str, int], ...]
    status_changes: int
    conversations: int
    rated_conversations: int
    messages: int
    first_day: date
    last_day: date


# --- The organisation as data --------------------------------------------------------------------


@dataclass(frozen=True)
class _MarketSpec:
    code: str
    name: str
    timezone: str
    holiday_country: str
    holiday_subdivision: str = ""


MARKETS = (
    _MarketSpec("sg", "Singapore", "Asia/Singapore", "SG"),
    _MarketSpec("mnl", "Manila", "Asia/Manila", "PH"),
    _MarketSpec("sao", "São Paulo", "America/Sao_Paulo", "BR", "SP"),
)

SKILLS: tuple[tuple[str, str, str], ...] = (
    ("English", SkillKind.LANGUAGE, "Written and spoken English."),
    ("Tagalog", SkillKind.LANGUAGE, "Filipino / Tagalog."),
    ("Portuguese", SkillKind.LANGUAGE, "Brazilian Portuguese."),
    ("Spanish", SkillKind.LANGUAGE, "Latin American Spanish."),
    ("Mandarin", SkillKind.LANGUAGE, "Mandarin Chinese."),
    ("Payments", SkillKind.PRODUCT, "Transfers, top-ups, merchant payments and refunds."),
    ("Cards", SkillKind.PRODUCT, "Debit and credit cards: activation, declines, disputes."),
    ("Lending", SkillKind.PRODUCT, "Personal loans: applications, repayments, hardship."),
    ("Voice", SkillKind.CHANNEL, "Phone calls."),
    ("Chat", SkillKind.CHANNEL, "Web and in-app chat."),
    ("Email", SkillKind.CHANNEL, "E-mail tickets."),
    ("Social", SkillKind.CHANNEL, "Public social media replies and DMs."),
    ("Messaging", SkillKind.CHANNEL, "WhatsApp and other messaging apps."),
    ("Complaints handling", SkillKind.OTHER, "Regulated complaint and escalation handling."),
)

# Name pools: (first names, last names); people draw both from one pool so names stay coherent.
_NAME_POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sg_chinese": (
        ("Wei Jie", "Jia Hui", "Xin Yi", "Jun Jie", "Hui Min", "Kai Xiang", "Li Ting", "Zhi Hao", "Shu Fen")
        + ("Darren", "Rachel", "Bryan", "Cheryl", "Joel", "Amanda", "Eugene", "Valerie", "Marcus"),
        ("Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Koh", "Teo", "Chan", "Yeo", "Low", "Sim"),
    ),
    "sg_malay": (
        ("Siti", "Nurul", "Muhammad Faiz", "Aisyah", "Hafiz", "Farhan", "Nur Izzah", "Syafiq", "Amirah"),
        ("Abdullah", "Rahman", "Ismail", "Hassan", "Osman", "Salleh", "Yusof", "Ahmad"),
    ),
    "sg_indian": (
        ("Priya", "Arjun", "Kavitha", "Rajesh", "Divya", "Suresh", "Anjali", "Vikram", "Meena"),
        ("Nair", "Pillai", "Raj", "Menon", "Krishnan", "Subramaniam", "Naidu", "Kumar"),
    ),
    "ph": (
        ("Maria", "Jose", "Juan Carlos", "Angelica", "Mark", "John Paul", "Kristine", "Jericho", "Camille", "Bea")
        + ("Paolo", "Carlo", "Patricia", "Jasmine", "Rhea", "Miguel", "Andrea", "Kimberly", "Christian")
        + ("Joanna", "Ramon", "Liza", "Erwin", "Marvin", "Czarina", "Rommel"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza", "Torres", "Dela Cruz")
        + ("Villanueva", "Ramos", "Aquino", "Castillo", "Rivera", "Flores", "Navarro", "Domingo", "Salazar")
        + ("Pascual", "Manalo", "Lacson", "Soriano"),
    ),
    "br": (
        ("João", "Maria Eduarda", "Ana", "Gabriel", "Lucas", "Beatriz", "Mariana", "Rafael", "Larissa")
        + ("Thiago", "Camila", "Pedro", "Fernanda", "Bruno", "Juliana", "Gustavo", "Letícia", "Felipe")
        + ("Vitória", "Matheus", "Luana", "Caio"),
        ("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Ferreira", "Costa", "Rodrigues")
        + ("Almeida", "Carvalho", "Gomes", "Ribeiro", "Martins", "Araújo", "Barbosa", "Nascimento"),
    ),
    "latam": (
        ("Santiago", "Valentina", "Sofía", "Mateo", "Camila", "Diego", "Daniela", "Alejandro", "Lucía")
        + ("Andrés", "Isabella", "Sebastián", "Martina", "Nicolás", "Paula", "Julián"),
        ("García", "Rodríguez", "Martínez", "López", "González", "Hernández", "Pérez", "Gómez", "Díaz")
        + ("Torres", "Ramírez", "Vargas", "Castro", "Rojas", "Morales"),
    ),
}
_POOLS_OF_MARKET: dict[str, tuple[tuple[str, float], ...]] = {
    "sg": (("sg_chinese", 0.7), ("sg_malay", 0.15), ("sg_indian", 0.15)),
    "mnl": (("ph", 1.0),),
    "sao": (("br", 1.0),),
    "latam": (("br", 0.55), ("latam", 0.45)),
}
_LATAM_CONTRACTOR_ZONES = ("America/Bogota", "America/Mexico_City", "America/Argentina/Buenos_Aires")


@dataclass(frozen=True)
class _TeamSpec:
    slug: str
    name: str
    market: str
    interval: int
    size: int
    people: str  # key of _POOLS_OF_MARKET
    languages: tuple[tuple[str, float], ...]
    products: tuple[str, ...]
    channels: tuple[str, ...]
    shift_starts: tuple[int, ...]  # local hours at which shifts of 9 hours begin
    tiers: tuple[tuple[str, float], ...]
    hours: tuple[int, int]  # contracted weekly hours (min, max) of employees
    contractors: int = 0
    vendor_agents: int = 0
    vendor_name: str = ""
    onboarding: int = 1
    nesting: int = 1
    on_leave: int = 1
    exited: int = 0


TEAMS = (
    _TeamSpec(
        "sg-payments-voice", "SG Payments Voice", "sg", 15, 14, "sg",
        (("English", 1.0), ("Mandarin", 0.4)), ("Payments", "Cards"), ("Voice",),
        (8, 9, 11, 13), ((Tier.L1, 0.75), (Tier.L2, 0.2), (Tier.L3, 0.05)), (44, 44),
        contractors=2, onboarding=2, nesting=1, on_leave=1, exited=1,
    ),
    _TeamSpec(
        "sg-chat", "SG Chat", "sg", 30, 16, "sg",
        (("English", 1.0), ("Mandarin", 0.35)), ("Cards", "Payments", "Lending"), ("Chat", "Messaging"),
        (23, 7, 9, 9, 12, 15), ((Tier.L1, 0.8), (Tier.L2, 0.2)), (44, 44),
        contractors=1, onboarding=1, nesting=2, on_leave=1,
    ),
    _TeamSpec(
        "mnl-tier1-chat", "MNL Tier 1 Chat", "mnl", 30, 22, "mnl",
        (("English", 1.0), ("Tagalog", 1.0)), ("Payments", "Cards", "Lending"), ("Chat", "Social"),
        (22, 6, 8, 10, 10, 14), ((Tier.L1, 0.85), (Tier.L2, 0.15)), (40, 48),
        contractors=3, onboarding=2, nesting=2, on_leave=1, exited=1,
    ),
    _TeamSpec(
        "mnl-email", "MNL Email", "mnl", 30, 14, "mnl",
        (("English", 1.0), ("Tagalog", 1.0), ("Mandarin", 0.1)), ("Payments", "Lending", "Cards"), ("Email",),
        (7, 9, 11), ((Tier.L1, 0.8), (Tier.L2, 0.2)), (40, 48),
        onboarding=1, nesting=1, on_leave=1,
    ),
    _TeamSpec(
        "sp-tier-2", "SP Tier 2", "sao", 30, 12, "sao",
        (("Portuguese", 1.0), ("English", 0.6), ("Spanish", 0.3)), ("Payments", "Cards", "Lending"),
        ("Voice", "Email"), (8, 9, 12), ((Tier.L2, 0.7), (Tier.L3, 0.3)), (40, 44),
        onboarding=0, nesting=1, on_leave=1,
    ),
    _TeamSpec(
        "latam-contractors", "LATAM Contractors", "sao", 30, 18, "latam",
        (), ("Payments", "Cards"), ("Chat", "Messaging"),
        (8, 10, 13, 14), ((Tier.L1, 0.9), (Tier.L2, 0.1)), (40, 48),
        contractors=6, vendor_agents=12, vendor_name="Andes Contact Partners",
        onboarding=2, nesting=2, on_leave=0, exited=1,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class _QueueSpec:
    name: str
    channel: str
    market: str | None
    team: str
    daily_volume: float  # conversations on an ordinary Thursday
    service_level_percent: int
    service_level_seconds: int | None = None
    response_time_hours: str | None = None
    chat_concurrency: int = 1
    open_hours: tuple[int, int] = (0, 24)  # local hours when contacts arrive; (0, 24) is 24/7
    tier: str = Tier.L1
    skills: tuple[str, ...] = ()
    tags: tuple[tuple[str, float], ...] = ()
    source: str = ConversationSource.ZENDESK
    is_active: bool = True


_PAYMENT_TAGS = (("billing", 3), ("refund", 3), ("payment_failed", 3), ("dispute", 1.5), ("login", 1), ("kyc", 1))
_CARD_TAGS = (("card_declined", 4), ("card_lost", 1.5), ("card_activation", 2), ("dispute", 1.5), ("fraud_report", 1))
_LENDING_TAGS = (("loan_application", 3), ("repayment", 3), ("kyc", 1.5), ("billing", 1))
_GENERAL_TAGS = (
    ("login", 2), ("kyc", 2), ("account_update", 2), ("app_bug", 1), ("refund", 1.5), ("card_declined", 2),
    ("billing", 1.5), ("payment_failed", 1.5),
)  # fmt: skip

QUEUES = (
    _QueueSpec(
        "SG Payments Voice", Channel.VOICE, "sg", "sg-payments-voice", 150, 80, service_level_seconds=20,
        open_hours=(8, 22), skills=("English", "Payments", "Voice"), tags=_PAYMENT_TAGS,
    ),
    _QueueSpec(
        "SG Card Chat", Channel.CHAT, "sg", "sg-chat", 170, 80, service_level_seconds=60, chat_concurrency=3,
        skills=("English", "Cards", "Chat"), tags=_CARD_TAGS, source=ConversationSource.INTERCOM,
    ),
    _QueueSpec(
        "SG WhatsApp", Channel.MESSAGING, "sg", "sg-chat", 60, 85, service_level_seconds=180, chat_concurrency=3,
        open_hours=(7, 23), skills=("English", "Messaging"), tags=_GENERAL_TAGS, source=ConversationSource.INTERCOM,
    ),
    _QueueSpec(
        "PH Chat", Channel.CHAT, "mnl", "mnl-tier1-chat", 230, 80, service_level_seconds=45, chat_concurrency=2,
        skills=("English", "Tagalog", "Chat"), tags=_GENERAL_TAGS, source=ConversationSource.INTERCOM,
    ),
    _QueueSpec(
        "PH Social", Channel.SOCIAL, "mnl", "mnl-tier1-chat", 40, 90, response_time_hours="4",
        skills=("English", "Social"), tags=_GENERAL_TAGS,
    ),
    _QueueSpec(
        "PH Email", Channel.EMAIL, "mnl", "mnl-email", 110, 90, response_time_hours="24",
        skills=("English", "Email"), tags=_LENDING_TAGS + _PAYMENT_TAGS,
    ),
    _QueueSpec(
        "SG Email", Channel.EMAIL, "sg", "mnl-email", 60, 90, response_time_hours="12",
        skills=("English", "Email"), tags=_PAYMENT_TAGS + _CARD_TAGS,
    ),
    _QueueSpec(
        "BR Tier 2 Voice", Channel.VOICE, "sao", "sp-tier-2", 25, 80, service_level_seconds=30, open_hours=(9, 18),
        tier=Tier.L2, skills=("Portuguese", "Voice", "Complaints handling"), tags=_CARD_TAGS,
        source=ConversationSource.FRESHDESK,
    ),
    _QueueSpec(
        "BR Escalations", Channel.EMAIL, "sao", "sp-tier-2", 35, 80, response_time_hours="24", tier=Tier.L2,
        skills=("Portuguese", "Email", "Complaints handling"),
        tags=(("dispute", 3), ("refund", 2), ("fraud_report", 2)),
        source=ConversationSource.FRESHDESK,
    ),
    _QueueSpec(
        "BR Chat", Channel.CHAT, "sao", "latam-contractors", 130, 80, service_level_seconds=60, chat_concurrency=2,
        open_hours=(8, 22), skills=("Portuguese", "Chat"), tags=_PAYMENT_TAGS + _CARD_TAGS,
        source=ConversationSource.FRESHDESK,
    ),
    _QueueSpec(
        "LATAM Spanish Messaging", Channel.MESSAGING, None, "latam-contractors", 60, 80, service_level_seconds=120,
        chat_concurrency=3, open_hours=(8, 22), skills=("Spanish", "Messaging"), tags=_PAYMENT_TAGS + _CARD_TAGS,
        source=ConversationSource.INTERCOM,
    ),
    _QueueSpec(
        "SG Lending Voice (retired)", Channel.VOICE, "sg", "sg-payments-voice", 0, 80, service_level_seconds=20,
        open_hours=(9, 18), skills=("English", "Lending", "Voice"), tags=_LENDING_TAGS, is_active=False,
    ),
)  # fmt: skip

# Weekly curve, Monday first, and the share of an ordinary day's contacts on a public holiday.
WEEKDAY_FACTORS = (1.15, 1.08, 1.03, 1.0, 0.96, 0.62, 0.52)
HOLIDAY_FACTOR = 0.4
WEEKLY_GROWTH = 0.004

# Handle time per channel: (median seconds, lognormal sigma); first response: (median seconds, sigma).
HANDLE_TIME: dict[str, tuple[float, float]] = {
    Channel.VOICE: (360.0, 0.5),
    Channel.CHAT: (540.0, 0.55),
    Channel.MESSAGING: (600.0, 0.6),
    Channel.EMAIL: (300.0, 0.6),
    Channel.SOCIAL: (240.0, 0.6),
}
FIRST_RESPONSE: dict[str, tuple[float, float]] = {
    Channel.VOICE: (14.0, 0.9),
    Channel.CHAT: (35.0, 0.9),
    Channel.MESSAGING: (90.0, 0.9),
    Channel.EMAIL: (2.5 * 3600, 0.8),
    Channel.SOCIAL: (1.2 * 3600, 0.8),
}
CSAT_SHARE = 0.3
CSAT_BASE = ((5, 0.58), (4, 0.22), (3, 0.09), (2, 0.04), (1, 0.07))
TRANSCRIPT_SHARE = 0.2

_CSAT_COMMENTS = {
    5: ("Quick and friendly, thank you!", "Sorted in minutes. Great service.", "Very helpful agent.", "Perfect!"),
    4: ("Good help, a bit of a wait.", "Solved, thanks.", "Helpful, but I had to explain twice."),
    3: ("It's fixed but it took a while.", "Okay.", "The answer was fine, the wait was long."),
    2: ("Waited too long for a reply.", "Had to contact you again.", "Not really solved."),
    1: ("Nobody answered for hours.", "Still not fixed!", "Terrible, I was passed around."),
}

_SUBJECTS = {
    "billing": ("Charged twice this month", "Question about my statement", "Unexpected fee on my account"),
    "refund": ("Refund not received yet", "Where is my refund?", "Merchant refund missing"),
    "payment_failed": ("Transfer failed but money left my account", "Payment stuck in pending", "Top-up failed"),
    "dispute": ("I don't recognise this transaction", "Dispute a merchant charge", "Goods never arrived"),
    "login": ("Can't log in to the app", "Locked out after OTP", "Password reset link not working"),
    "kyc": ("Verification keeps failing", "Why do you need my ID again?", "Selfie check rejected"),
    "card_declined": ("Card declined at checkout", "Card not working abroad", "Declined at the ATM"),
    "card_lost": ("Lost my card", "Card stolen, please block", "Need a replacement card"),
    "card_activation": ("How do I activate my new card?", "Activation code not received", "New card inactive"),
    "fraud_report": ("Suspicious transactions on my card", "I think my account was hacked", "Scam call report"),
    "loan_application": ("Loan application status", "Documents for my loan", "Why was my loan declined?"),
    "repayment": ("Change my repayment date", "Missed a repayment", "Early repayment of my loan"),
    "account_update": ("Change my phone number", "Update my address", "Close my account"),
    "app_bug": ("App crashes on the payments screen", "Balance not updating", "App stuck on loading"),
}

# Transcript pieces per tag: customer opening, customer detail, agent resolution.
_TRANSCRIPTS = {
    "billing": (
        "Hi, I was charged {amount} twice for the same thing this month.",
        "It's the charge on the {day}, reference {ref}.",
        "I can see the duplicate charge of {amount}; I've reversed it and it will show within 3 working days.",
    ),
    "refund": (
        "The merchant says they refunded {amount} a week ago but I don't see it.",
        "Order reference is {ref}.",
        "The refund reached us today; it will be in your account within 24 hours.",
    ),
    "payment_failed": (
        "My transfer of {amount} failed but the money left my account.",
        "It was sent on the {day} to a saved payee.",
        "The transfer bounced back from the receiving bank; {amount} is back in your balance now.",
    ),
    "dispute": (
        "There's a charge of {amount} I don't recognise.",
        "Never heard of the merchant, reference {ref}.",
        "I've opened a dispute for {amount} and issued a temporary credit while we investigate.",
    ),
    "login": (
        "I can't log in, the app says my OTP is invalid.",
        "I changed phones last week.",
        "I've reset your device binding; log in again and you'll get a new OTP on your current number.",
    ),
    "kyc": (
        "My ID verification keeps failing.",
        "I've tried three times with my passport.",
        "Your document was blurry on our side; I've unlocked a new attempt, please retake it in good light.",
    ),
    "card_declined": (
        "My card was declined at a shop just now.",
        "Card ending {last4}, it worked yesterday.",
        "The payment hit our fraud check; I've confirmed it's you and unblocked the card ending {last4}.",
    ),
    "card_lost": (
        "I lost my card, please block it.",
        "It's the card ending {last4}.",
        "The card ending {last4} is blocked and a replacement will reach you in 5 working days.",
    ),
    "card_activation": (
        "How do I activate my new card?",
        "I didn't receive an activation code.",
        "I've activated the card ending {last4} for you; set your PIN in the app under Cards.",
    ),
    "fraud_report": (
        "There are transactions on my account I didn't make!",
        "Three payments of {amount}, reference {ref}.",
        "I've frozen your account, raised a fraud case and you'll get a call from our fraud team today.",
    ),
    "loan_application": (
        "What's the status of my loan application?",
        "I applied on the {day}, reference {ref}.",
        "Your application is approved; the offer is in the app and the funds arrive once you sign.",
    ),
    "repayment": (
        "Can I change the date of my loan repayment?",
        "My salary now comes on the {day}.",
        "Done: your repayment now falls on the {day} of each month from next month.",
    ),
    "account_update": (
        "I need to change the phone number on my account.",
        "My new number ends in {last4}.",
        "Your number is updated; you'll get a confirmation SMS on the number ending {last4}.",
    ),
    "app_bug": (
        "The app crashes when I open payments.",
        "I'm on the latest version.",
        "It's a known issue fixed in today's update; please update the app and it will work again.",
    ),
}
_AGENT_PROBES = ("Thanks for reaching out, {customer}. Let me check that for you.", "Hi {customer}, happy to help.")
_CUSTOMER_THANKS = ("Thank you!", "Great, thanks for the help.", "Perfect, that's all.")
_AGENT_CLOSINGS = ("Glad I could help, {customer}. Have a nice day!", "You're welcome. Anything else, just write in.")

_LANGUAGES = frozenset(name for name, kind, _ in SKILLS if kind == SkillKind.LANGUAGE)
_TIER_RANK: dict[str, int] = {Tier.L1: 1, Tier.L2: 2, Tier.L3: 3}
_SHIFT_HOURS = 9
_CAPACITY: dict[str, float] = {AgentStatus.ACTIVE: 1.0, AgentStatus.NESTING: 0.45}
_SOURCE_PREFIX: dict[str, int] = {
    ConversationSource.ZENDESK: 100_000,
    ConversationSource.INTERCOM: 5_000_000,
    ConversationSource.FRESHDESK: 300_000,
}


# --- Public entry points -------------------------------------------------------------------------


def demo_is_allowed() -> bool:
    """False under production settings, where demo data could overwrite a real organisation."""
    return bool(getattr(settings, "SUPPORTOPS_DEMO_ALLOWED", False))


def organisation_has_data() -> bool:
    """True when any org table (markets, teams, skills, queues, agents, conversations) holds rows."""
    return any(model.objects.exists() for model in (Market, Team, Skill, Queue, Agent, Conversation))


def demo_users() -> Any:
    """Users created by the demo, recognisable by their e-mail domain."""
    return User.objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}")


@transaction.atomic
def wipe_organisation() -> None:
    """Delete every org row (with its change history) and the demo users; other users stay."""
    ConversationMessage.objects.all().delete()
    Conversation.objects.all().delete()
    AgentStatusChange.objects.all().delete()
    AgentSkill.objects.all().delete()
    Agent.objects.all().delete()
    Queue.objects.all().delete()
    Team.objects.all().delete()
    Skill.objects.all().delete()
    Market.objects.all().delete()
    demo_users().delete()
    for model in (AgentSkill, Agent, Queue, Team, Skill, Market):
        model.history.all().delete()


@transaction.atomic
def build_demo_organisation(*, weeks: int, seed: int, now: datetime | None = None) -> DemoSummary:
    """Build the demo organisation with ``weeks`` weeks of conversations ending the day before ``now``.

    Refuses (``DemoError``) under production settings, when org data exists, or when a demo
    login name is taken by a real user. Every random choice comes from ``random.Random(seed)``.
    """
    if not demo_is_allowed():
        raise DemoError("Demo data is disabled by these settings (SUPPORTOPS_DEMO_ALLOWED is off in production).")
    if not 1 <= weeks <= MAX_WEEKS:
        raise DemoError(f"Weeks must be between 1 and {MAX_WEEKS}, not {weeks}.")
    if organisation_has_data():
        raise DemoError("The database already holds an organisation; wipe it first.")
    taken = sorted(
        User.objects.filter(username__in=[login for login, _, _ in DEMO_LOGINS]).values_list("username", flat=True)
    )
    if taken:
        raise DemoError(f"Users named {', '.join(taken)} already exist; rename them to build the demo organisation.")
    now = now or timezone.now()
    builder = _Builder(rng=random.Random(seed), now=now, weeks=weeks)
    return builder.build()


# --- The builder ---------------------------------------------------------------------------------


@dataclass
class _Person:
    first_name: str
    last_name: str
    pool: str


@dataclass
class _AgentPlan:
    """An agent before saving: who, where, and their lifecycle as dated statuses."""

    person: _Person
    team: str
    tier: str
    employment_type: str
    vendor_name: str
    hours: tuple[int, int]
    timezone: str
    timeline: list[tuple[date, str]]
    shift_start: int
    days_off: frozenset[int]
    speed: float
    languages: tuple[str, ...]
    username: str = ""


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _intraday_weight(hour: float) -> float:
    """Relative arrival rate at a local hour: peaks around 11:00 and 14:30, an evening shoulder, quiet nights."""

    def bump(centre: float, width: float) -> float:
        return math.exp(-0.5 * ((hour - centre) / width) ** 2)

    return 0.03 + 1.0 * bump(11.0, 1.7) + 0.85 * bump(14.5, 2.0) + 0.4 * bump(19.5, 1.8)


def _status_on(timeline: Sequence[tuple[date, str]], day: date) -> str | None:
    current = None
    for effective, status in timeline:
        if effective > day:
            break
        current = status
    return current


class _Builder:
    """Holds the random generator and what has been created so far."""

    def __init__(self, *, rng: random.Random, now: datetime, weeks: int):
        self.rng = rng
        self.now = now
        self.weeks = weeks
        self.today = now.astimezone(UTC).date()
        self.password = make_password(DEMO_PASSWORD)
        self.usernames: set[str] = set(User.objects.values_list("username", flat=True))
        self.groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
        self.markets: dict[str, Market] = {}
        self.skills: dict[str, Skill] = {}
        self.teams: dict[str, Team] = {}
        self.users: list[User] = []
        self.agents: list[tuple[Agent, _AgentPlan]] = []
        self.first_day, self.last_day = date.max, date.min

    # -- people --

    def _person(self, people: str) -> _Person:
        pools = _POOLS_OF_MARKET[people]
        pool = self.rng.choices([name for name, _ in pools], weights=[weight for _, weight in pools])[0]
        first_names, last_names = _NAME_POOLS[pool]
        return _Person(self.rng.choice(first_names), self.rng.choice(last_names), pool)

    def _username(self, person: _Person) -> str:
        base = f"{_ascii(person.first_name)}.{_ascii(person.last_name)}"
        candidate, suffix = base, 1
        while candidate in self.usernames:
            suffix += 1
            candidate = f"{base}{suffix}"
        self.usernames.add(candidate)
        return candidate

    def _user(self, username: str, first_name: str, last_name: str, joined: date, **flags: bool) -> User:
        user = User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            password=self.password,
            date_joined=datetime.combine(joined, time(9), tzinfo=UTC),
            **flags,
        )
        self.usernames.add(username)
        self.users.append(user)
        return user

    # -- build --

    def build(self) -> DemoSummary:
        self._reference_data()
        admin, managers, qa_reviewers = self._leaders()
        self._teams(admin, managers, qa_reviewers)
        plans = self._plan_agents()
        self._save_people(admin, managers, qa_reviewers, plans)
        queues = self._queues(admin)
        conversations, messages = self._conversations(queues)
        statuses = {status: 0 for status in AgentStatus.values}
        for agent, _ in self.agents:
            statuses[agent.status] += 1
        return DemoSummary(
            markets=len(self.markets),
            teams=len(self.teams),
            skills=len(self.skills),
            queues=len(queues),
            users=len(self.users),
            agents=len(self.agents),
            agents_by_status=tuple(statuses.items()),
            status_changes=AgentStatusChange.objects.count(),
            conversations=len(conversations),
            rated_conversations=sum(1 for conversation in conversations if conversation.csat_score is not None),
            messages=messages,
            first_day=self.first_day,
            last_day=self.last_day,
        )

    def _reference_data(self) -> None:
        for spec in MARKETS:
            market = Market(
                code=spec.code,
                name=spec.name,
                timezone=spec.timezone,
                holiday_country=spec.holiday_country,
                holiday_subdivision=spec.holiday_subdivision,
            )
            market.full_clean()
            market.save()
            self.markets[spec.code] = market
        for name, kind, description in SKILLS:
            self.skills[name] = Skill.objects.create(name=name, kind=kind, description=description)

    def _leaders(self) -> tuple[User, dict[str, User], dict[str, User]]:
        """The demo logins and the other team leads and QA reviewers, keyed by what they lead."""
        long_ago = self.today - timedelta(days=3 * 365)
        admin = self._user("admin", "Priya", "Raman", long_ago, is_superuser=True, is_staff=True)
        manager = self._user("manager", "Daniel", "Lim", long_ago)
        qa = self._user("qa", "Grace", "Villanueva", long_ago)
        managers = {"sg-payments-voice": manager, "sg-chat": manager}
        for spec in TEAMS:
            if spec.slug not in managers:
                person = self._person(spec.people if spec.people != "latam" else "sao")
                managers[spec.slug] = self._user(self._username(person), person.first_name, person.last_name, long_ago)
        person = self._person("sao")
        second_qa = self._user(self._username(person), person.first_name, person.last_name, long_ago)
        reviewers = {"sg-payments-voice": qa, "sg-chat": qa, "mnl-tier1-chat": qa}
        reviewers.update({"mnl-email": second_qa, "sp-tier-2": second_qa, "latam-contractors": second_qa})
        User.objects.bulk_create(self.users)
        return admin, managers, reviewers

    def _teams(self, admin: User, managers: dict[str, User], reviewers: dict[str, User]) -> None:
        for spec in TEAMS:
            team = Team(name=spec.name, slug=spec.slug, market=self.markets[spec.market])
            team.planning_interval_minutes = spec.interval
            team._history_user = admin  # type: ignore[attr-defined]
            team.full_clean()
            team.save()
            self.teams[spec.slug] = team

    def _timeline(self, status: str, *, new_hire: bool) -> list[tuple[date, str]]:
        """Dated statuses ending in ``status``, following the allowed lifecycle moves."""
        rng, today = self.rng, self.today
        if status == AgentStatus.ONBOARDING:
            return [(today - timedelta(days=rng.randint(2, 16)), AgentStatus.ONBOARDING)]
        if status == AgentStatus.NESTING:
            start = today - timedelta(days=rng.randint(24, 40))
            return [(start, AgentStatus.ONBOARDING), (start + timedelta(days=rng.randint(14, 20)), AgentStatus.NESTING)]
        start = today - timedelta(days=rng.randint(75, 110) if new_hire else rng.randint(150, 5 * 365))
        nesting = start + timedelta(days=rng.randint(14, 21))
        active = nesting + timedelta(days=rng.randint(21, 35))
        timeline: list[tuple[date, str]] = [
            (start, AgentStatus.ONBOARDING),
            (nesting, AgentStatus.NESTING),
            (active, AgentStatus.ACTIVE),
        ]
        if status == AgentStatus.ON_LEAVE:
            timeline.append((today - timedelta(days=rng.randint(4, 30)), AgentStatus.ON_LEAVE))
        elif status == AgentStatus.EXITED:
            timeline.append((today - timedelta(days=rng.randint(10, 45)), AgentStatus.EXITED))
        elif not new_hire and rng.random() < 0.12:
            leave = active + timedelta(days=rng.randint(30, max(31, (today - active).days - 60)))
            back = leave + timedelta(days=rng.randint(10, 50))
            if back < today - timedelta(days=7):
                timeline += [(leave, AgentStatus.ON_LEAVE), (back, AgentStatus.ACTIVE)]
        return timeline

    def _plan_agents(self) -> list[_AgentPlan]:
        rng = self.rng
        plans: list[_AgentPlan] = []
        for spec in TEAMS:
            statuses = (
                [AgentStatus.ONBOARDING] * spec.onboarding
                + [AgentStatus.NESTING] * spec.nesting
                + [AgentStatus.ON_LEAVE] * spec.on_leave
                + [AgentStatus.EXITED] * spec.exited
            )
            statuses += [AgentStatus.ACTIVE] * (spec.size - len(statuses))
            engagement = [(EmploymentType.VENDOR, spec.vendor_name)] * spec.vendor_agents
            engagement += [(EmploymentType.CONTRACTOR, "")] * spec.contractors
            engagement += [(EmploymentType.EMPLOYEE, "")] * (spec.size - len(engagement))
            rng.shuffle(engagement)
            for index, status in enumerate(statuses):
                employment_type, vendor_name = engagement[index]
                new_hire = status in (AgentStatus.ONBOARDING, AgentStatus.NESTING) or (
                    status == AgentStatus.ACTIVE and index % 7 == 3
                )
                tier = (
                    spec.tiers[0][0]
                    if status in (AgentStatus.ONBOARDING, AgentStatus.NESTING)
                    else rng.choices([t for t, _ in spec.tiers], weights=[w for _, w in spec.tiers])[0]
                )
                zone = ""
                if employment_type == EmploymentType.CONTRACTOR:
                    hours = (rng.choice((15, 20, 25)), rng.choice((30, 35, 40)))
                elif employment_type == EmploymentType.VENDOR:
                    hours = (40, 48)
                else:
                    hours = spec.hours
                person = self._person(spec.people)
                if employment_type == EmploymentType.CONTRACTOR and person.pool == "latam":
                    zone = rng.choice(_LATAM_CONTRACTOR_ZONES)
                weekend_off = rng.random() < 0.6
                languages = self._languages(spec, person)
                first_off = 5 if weekend_off else rng.randint(0, 6)
                plans.append(
                    _AgentPlan(
                        person=person,
                        team=spec.slug,
                        tier=tier,
                        employment_type=employment_type,
                        vendor_name=vendor_name,
                        hours=hours,
                        timezone=zone,
                        timeline=self._timeline(status, new_hire=new_hire),
                        shift_start=spec.shift_starts[index % len(spec.shift_starts)],
                        days_off=frozenset({first_off, (first_off + 1) % 7}),
                        speed=rng.lognormvariate(0, 0.12),
                        languages=languages,
                    )
                )
        # The `agent` login: a tenured, active L1 employee of SG Chat on the day shift.
        demo_agent = next(
            plan
            for plan in plans
            if plan.team == "sg-chat" and plan.employment_type == EmploymentType.EMPLOYEE and len(plan.timeline) == 3
        )
        demo_agent.person = _Person("Wei Ling", "Chua", "sg_chinese")
        demo_agent.username = "agent"
        demo_agent.tier = Tier.L1
        demo_agent.shift_start = 9
        demo_agent.days_off = frozenset({5, 6})
        demo_agent.languages = ("English", "Mandarin")
        start = self.today - timedelta(days=2 * 365)
        demo_agent.timeline = [
            (start, AgentStatus.ONBOARDING),
            (start + timedelta(days=14), AgentStatus.NESTING),
            (start + timedelta(days=42), AgentStatus.ACTIVE),
        ]
        # The `newhire` login: SG Chat's new hire, in onboarding.
        newhire_plan = next(
            plan
            for plan in plans
            if plan.team == "sg-chat" and plan.timeline and plan.timeline[-1][1] == AgentStatus.ONBOARDING
        )
        newhire_plan.username = "newhire"
        for plan in plans:
            if not plan.username:
                plan.username = self._username(plan.person)
        return plans

    def _save_people(
        self, admin: User, managers: dict[str, User], reviewers: dict[str, User], plans: list[_AgentPlan]
    ) -> None:
        agent_users = [
            self._user(plan.username, plan.person.first_name, plan.person.last_name, plan.timeline[0][0])
            for plan in plans
        ]
        User.objects.bulk_create(agent_users, batch_size=200)
        roles: dict[int, list[str]] = {admin.pk: [Role.ADMIN]}
        for user in {*managers.values()}:
            roles.setdefault(user.pk, []).append(Role.MANAGER)
        for user in {*reviewers.values()}:
            roles.setdefault(user.pk, []).append(Role.QA_REVIEWER)
        by_username = {user.username: user for user in self.users}
        for plan in plans:
            roles.setdefault(by_username[plan.username].pk, []).append(Role.AGENT)
        membership = User.groups.through
        membership.objects.bulk_create(
            [
                membership(user_id=user_id, group_id=self.groups[role].pk)
                for user_id, names in sorted(roles.items())
                for role in names
            ],
            batch_size=500,
        )
        for slug, team in self.teams.items():
            team.managers.add(managers[slug])
            team.qa_reviewers.add(reviewers[slug])

        agent_skills: list[AgentSkill] = []
        for plan in plans:
            user = by_username[plan.username]
            start, first_status = plan.timeline[0]
            agent = services.agent_create(
                user=user,
                changed_by=admin,
                team=self.teams[plan.team],
                manager=managers[plan.team],
                tier=plan.tier,
                employment_type=plan.employment_type,
                vendor_name=plan.vendor_name,
                status=first_status,
                start_date=start,
                contracted_hours_min=Decimal(plan.hours[0]),
                contracted_hours_max=Decimal(plan.hours[1]),
                timezone=plan.timezone,
            )
            for effective, status in plan.timeline[1:]:
                services.agent_change_status(
                    agent=agent, status=status, effective_date=effective, changed_by=admin, note=_NOTES[status]
                )
            self.agents.append((agent, plan))
            agent_skills += self._skills_of(agent, plan)
        AgentSkill.objects.bulk_create(agent_skills, batch_size=300)
        AgentSkill.history.bulk_history_create(
            agent_skills, default_user=admin, default_change_reason="Demo organisation", batch_size=300
        )

    def _languages(self, spec: _TeamSpec, person: _Person) -> tuple[str, ...]:
        """Languages an agent speaks, the first being their best."""
        if spec.people == "latam":
            if person.pool == "latam":
                return ("Spanish", "English")
            return ("Portuguese", "Spanish") if self.rng.random() < 0.3 else ("Portuguese", "English")
        languages = [name for name, share in spec.languages if self.rng.random() < share]
        if person.pool == "sg_chinese" and "Mandarin" not in languages and self.rng.random() < 0.3:
            languages.append("Mandarin")
        return tuple(languages)

    def _skills_of(self, agent: Agent, plan: _AgentPlan) -> list[AgentSkill]:
        spec = next(spec for spec in TEAMS if spec.slug == plan.team)
        rng = self.rng
        tenure_days = (self.today - plan.timeline[0][0]).days
        base = 1 if tenure_days < 45 else 2 if tenure_days < 120 else 3
        languages = plan.languages
        names = list(languages) + list(spec.products) + list(spec.channels)
        if _TIER_RANK[plan.tier] >= 2:
            names.append("Complaints handling")
        skills = []
        for name in names:
            if name in languages:
                proficiency = 5 if name == languages[0] else rng.randint(3, 5)
            else:
                proficiency = min(5, base + rng.randint(0, 2) + (_TIER_RANK[plan.tier] - 1))
            skills.append(AgentSkill(agent=agent, skill=self.skills[name], proficiency=proficiency))
        return skills

    def _queues(self, admin: User) -> list[tuple[Queue, _QueueSpec]]:
        queues = []
        for spec in QUEUES:
            queue = Queue(
                name=spec.name,
                channel=spec.channel,
                market=self.markets[spec.market] if spec.market else None,
                escalation_tier=spec.tier,
                service_level_percent=Decimal(spec.service_level_percent),
                service_level_seconds=spec.service_level_seconds,
                response_time_hours=Decimal(spec.response_time_hours) if spec.response_time_hours else None,
                chat_concurrency=spec.chat_concurrency,
                is_active=spec.is_active,
            )
            queue._history_user = admin  # type: ignore[attr-defined]
            queue.full_clean()
            queue.save()
            queue.required_skills.set([self.skills[name] for name in spec.skills])
            queue.teams.set([self.teams[spec.team]])
            queues.append((queue, spec))
        return queues

    # -- conversations --

    def _conversations(self, queues: list[tuple[Queue, _QueueSpec]]) -> tuple[list[Conversation], int]:
        counters: dict[str, int] = dict(_SOURCE_PREFIX)
        conversations: list[Conversation] = []
        transcripts: list[tuple[Conversation, _Transcript]] = []
        for queue, spec in queues:
            if not spec.is_active or spec.daily_volume <= 0:
                continue
            team = self.teams[spec.team]
            zone = ZoneInfo(queue.market.timezone) if queue.market else team.zone
            local_today = self.now.astimezone(zone).date()  # the weeks end on the queue's local yesterday
            days = [local_today - timedelta(days=offset) for offset in range(7 * self.weeks, 0, -1)]
            self.first_day = min(self.first_day, days[0])
            self.last_day = max(self.last_day, days[-1])
            holidays = queue.market.public_holidays(days[0], days[-1]) if queue.market else {}
            roster = _Roster(
                [(agent, plan) for agent, plan in self.agents if plan.team == spec.team],
                minimum_tier=_TIER_RANK[spec.tier],
                languages={name for name in spec.skills if name in _LANGUAGES},
            )
            generator = _QueueConversations(self, queue, spec, zone, roster)
            for day_index, day in enumerate(days):
                factor = WEEKDAY_FACTORS[day.weekday()] * (1 + WEEKLY_GROWTH * (day_index // 7))
                if day in holidays:
                    factor *= HOLIDAY_FACTOR
                factor *= self.rng.lognormvariate(0, 0.07)
                for conversation, transcript in generator.day(day, spec.daily_volume * factor):
                    counters[spec.source] += 1
                    conversation.external_id = str(counters[spec.source])
                    conversations.append(conversation)
                    if transcript is not None:
                        transcripts.append((conversation, transcript))
        Conversation.objects.bulk_create(conversations, batch_size=500)
        messages = [
            message for conversation, transcript in transcripts for message in transcript.messages(conversation)
        ]
        ConversationMessage.objects.bulk_create(messages, batch_size=1000)
        return conversations, len(messages)


_NOTES: dict[str, str] = {
    AgentStatus.NESTING: "Finished classroom training; nesting on live queues.",
    AgentStatus.ACTIVE: "Signed off after nesting.",
    AgentStatus.ON_LEAVE: "Leave of absence.",
    AgentStatus.EXITED: "Left the company.",
    AgentStatus.ONBOARDING: "Back to training.",
}


class _Roster:
    """Which agents of a team can take a contact at a local day and hour, with their relative capacity."""

    def __init__(self, members: list[tuple[Agent, _AgentPlan]], *, minimum_tier: int, languages: set[str]):
        self.members = [
            (agent, plan)
            for agent, plan in members
            if _TIER_RANK[plan.tier] >= minimum_tier and languages <= set(plan.languages)
        ]
        self._by_day: dict[date, list[tuple[Agent, _AgentPlan, float]]] = {}
        self._by_hour: dict[tuple[date, int], tuple[list[tuple[Agent, _AgentPlan]], list[float]]] = {}

    def _available(self, day: date) -> list[tuple[Agent, _AgentPlan, float]]:
        if day not in self._by_day:
            available = []
            for agent, plan in self.members:
                capacity = _CAPACITY.get(_status_on(plan.timeline, day) or "", 0.0)
                if capacity:
                    available.append((agent, plan, capacity))
            self._by_day[day] = available
        return self._by_day[day]

    def at(self, day: date, hour: int) -> tuple[list[tuple[Agent, _AgentPlan]], list[float]]:
        key = (day, hour)
        if key not in self._by_hour:
            yesterday = day - timedelta(days=1)
            today_off, yesterday_off = day.weekday(), yesterday.weekday()
            on_shift = []
            for agent, plan, capacity in self._available(day):
                start = plan.shift_start
                if (today_off not in plan.days_off and start <= hour < start + _SHIFT_HOURS) or (
                    yesterday_off not in plan.days_off and hour < start + _SHIFT_HOURS - 24
                ):
                    on_shift.append((agent, plan, capacity))
            chosen = on_shift or self._available(day)
            cumulative, total = [], 0.0
            for _, _, capacity in chosen:
                total += capacity
                cumulative.append(total)
            self._by_hour[key] = ([(agent, plan) for agent, plan, _ in chosen], cumulative)
        return self._by_hour[key]


@dataclass
class _Transcript:
    tag: str
    customer: str
    agent_name: str
    count: int
    values: dict[str, str]
    picks: tuple[int, int, int]

    def messages(self, conversation: Conversation) -> list[ConversationMessage]:
        opening, detail, resolution = _TRANSCRIPTS[self.tag]
        probe = _AGENT_PROBES[self.picks[0]]
        thanks = _CUSTOMER_THANKS[self.picks[1]]
        closing = _AGENT_CLOSINGS[self.picks[2]]
        customer, agent = AuthorRole.CUSTOMER, AuthorRole.AGENT
        plans = {
            2: [(customer, opening), (agent, resolution)],
            3: [(customer, opening), (agent, resolution), (customer, thanks)],
            4: [(customer, opening), (agent, probe), (customer, detail), (agent, resolution)],
            5: [(customer, opening), (agent, probe), (customer, detail), (agent, resolution), (customer, thanks)],
            6: [
                (customer, opening),
                (agent, probe),
                (customer, detail),
                (agent, resolution),
                (customer, thanks),
                (agent, closing),
            ],
        }[self.count]
        start = conversation.created_at
        first_reply = conversation.first_response_at or start
        end = conversation.resolved_at or first_reply + timedelta(minutes=5)
        step = (end - first_reply) / max(1, len(plans) - 1)
        values = {**self.values, "customer": self.customer.split()[0]}
        return [
            ConversationMessage(
                conversation=conversation,
                position=position,
                author_role=role,
                author_name=self.customer if role == customer else self.agent_name,
                body=text.format(**values),
                sent_at=start if position == 0 else first_reply + step * (position - 1),
            )
            for position, (role, text) in enumerate(plans)
        ]


class _QueueConversations:
    """Draws one queue's conversations day by day."""

    def __init__(self, builder: _Builder, queue: Queue, spec: _QueueSpec, zone: ZoneInfo, roster: _Roster):
        self.builder = builder
        self.rng = builder.rng
        self.queue = queue
        self.spec = spec
        self.zone = zone
        self.roster = roster
        open_from, open_to = spec.open_hours
        weights = [_intraday_weight(slot / 2 + 0.25) if open_from <= slot / 2 < open_to else 0.0 for slot in range(48)]
        total = sum(weights)
        self.shares = [weight / total for weight in weights]
        peak = max(self.shares)
        self.congestion = [0.5 + share / peak for share in self.shares]
        self.target_seconds = (
            float(spec.service_level_seconds)
            if spec.service_level_seconds is not None
            else float(spec.response_time_hours or 0) * 3600
        )
        self.tag_names = [tag for tag, _ in spec.tags]
        self.tag_weights = [weight for _, weight in spec.tags]
        self.customer_pool = {"sg": "sg", "mnl": "mnl", "sao": "sao"}.get(spec.market or "", "latam")
        self.difficulty = 1.6 if spec.tier != Tier.L1 else 1.0

    def day(self, day: date, volume: float) -> Iterator[tuple[Conversation, _Transcript | None]]:
        midnight = datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)
        for slot, share in enumerate(self.shares):
            if not share:
                continue
            for _ in range(_poisson(self.rng, volume * share)):
                seconds = slot * 1800 + self.rng.random() * 1800
                yield self._conversation(day, slot, seconds, midnight + timedelta(seconds=seconds))

    def _conversation(
        self, day: date, slot: int, local_seconds: float, created: datetime
    ) -> tuple[Conversation, _Transcript | None]:
        rng, spec, channel = self.rng, self.spec, self.spec.channel
        members, cumulative = self.roster.at(day, slot // 2)
        agent, plan = rng.choices(members, cum_weights=cumulative)[0] if members else (None, None)
        nesting = plan is not None and _status_on(plan.timeline, day) == AgentStatus.NESTING
        speed = (plan.speed if plan else 1.0) * (1.3 if nesting else 1.0) * self.difficulty

        median, sigma = HANDLE_TIME[channel]
        handle = min(4 * 3600.0, rng.lognormvariate(math.log(median), sigma) * speed)
        median, sigma = FIRST_RESPONSE[channel]
        if channel in LIVE_CHANNELS:
            wait = rng.lognormvariate(math.log(median), sigma) * self.congestion[slot]
            duration = handle * (1.6 if channel in CONCURRENT_CHANNELS else 1.0) + rng.uniform(20, 90)
            resolve_after = wait + duration
        else:
            hour = local_seconds / 3600
            if hour < 8:
                wait = (8 - hour) * 3600 + rng.lognormvariate(math.log(3600), 0.7)
            elif hour >= 20:
                wait = (32 - hour) * 3600 + rng.lognormvariate(math.log(3600), 0.7)
            else:
                wait = rng.lognormvariate(math.log(median), sigma)
            resolve_after = wait + (handle if rng.random() < 0.6 else rng.lognormvariate(math.log(20 * 3600), 0.8))
        reopen_count = 0
        if rng.random() < (0.07 if channel == Channel.EMAIL else 0.035):
            reopen_count = 2 if rng.random() < 0.15 else 1
            resolve_after += rng.lognormvariate(math.log(24 * 3600), 0.6) * reopen_count
            handle *= 1 + 0.6 * reopen_count
        first_response = created + timedelta(seconds=round(wait))
        resolved = created + timedelta(seconds=round(resolve_after))
        if first_response > self.builder.now:
            first_response_at = resolved_at = None
        else:
            first_response_at = first_response
            resolved_at = resolved if resolved <= self.builder.now else None

        tag = rng.choices(self.tag_names, weights=self.tag_weights)[0]
        tags = [tag]
        if rng.random() < 0.25:
            extra = rng.choices(self.tag_names, weights=self.tag_weights)[0]
            if extra != tag:
                tags.append(extra)
        if reopen_count:
            tags.append("reopened")
        if spec.tier != Tier.L1:
            tags.append("escalated")

        csat_score, csat_comment = None, ""
        if resolved_at is not None and rng.random() < CSAT_SHARE:
            csat_score = rng.choices([score for score, _ in CSAT_BASE], weights=[share for _, share in CSAT_BASE])[0]
            slowness = max(0.0, wait / self.target_seconds - 1) if self.target_seconds else 0.0
            downgrade = min(0.8, 0.3 * slowness + 0.25 * reopen_count + (0.1 if nesting else 0.0))
            if rng.random() < downgrade:
                csat_score = max(1, csat_score - rng.choice((1, 2, 2, 3)))
            if rng.random() < 0.35:
                csat_comment = rng.choice(_CSAT_COMMENTS[csat_score])

        conversation = Conversation(
            source=spec.source,
            queue=self.queue,
            agent=agent,
            subject=rng.choice(_SUBJECTS[tag]),
            created_at=created,
            first_response_at=first_response_at,
            resolved_at=resolved_at,
            handle_time_seconds=round(handle) if resolved_at is not None else None,
            reopen_count=reopen_count,
            csat_score=csat_score,
            csat_comment=csat_comment,
            tags=tags,
        )
        transcript = None
        if rng.random() < TRANSCRIPT_SHARE and tag in _TRANSCRIPTS:
            customer = self.builder._person(self.customer_pool)
            transcript = _Transcript(
                tag=tag,
                customer=f"{customer.first_name} {customer.last_name}",
                agent_name=plan.person.first_name if plan else "Support",
                count=rng.randint(2, 6),
                values={
                    "amount": f"{rng.randint(12, 900)}.{rng.randint(0, 99):02d}",
                    "ref": f"{rng.randint(100000, 999999)}",
                    "last4": f"{rng.randint(0, 9999):04d}",
                    "day": f"{rng.randint(1, 28)}",
                },
                picks=(
                    rng.randrange(len(_AGENT_PROBES)),
                    rng.randrange(len(_CUSTOMER_THANKS)),
                    rng.randrange(len(_AGENT_CLOSINGS)),
                ),
            )
        return conversation, transcript
