"""Choice sets of the core app; code compares against these, never against bare strings."""

from django.db import models


class Role(models.TextChoices):
    """The four roles; each is a Django group created by a data migration. A person may hold several."""

    ADMIN = "Admin", "Admin"
    MANAGER = "Manager", "Manager"
    QA_REVIEWER = "QA reviewer", "QA reviewer"
    AGENT = "Agent", "Agent"


class Tier(models.TextChoices):
    """Support tier: L1 handles first contact, L2/L3 take escalations."""

    L1 = "L1", "L1"
    L2 = "L2", "L2"
    L3 = "L3", "L3"


class EmploymentType(models.TextChoices):
    """How the agent is engaged."""

    EMPLOYEE = "employee", "Employee"
    CONTRACTOR = "contractor", "Contractor"
    VENDOR = "vendor", "Outsourced vendor"


class AgentStatus(models.TextChoices):
    """Where the agent is in their lifecycle: onboarding → nesting → active → on leave → exited."""

    ONBOARDING = "onboarding", "Onboarding"
    NESTING = "nesting", "Nesting"
    ACTIVE = "active", "Active"
    ON_LEAVE = "on_leave", "On leave"
    EXITED = "exited", "Exited"


# Which status may follow which. Exited people who come back are rehired into onboarding.
AGENT_STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    AgentStatus.ONBOARDING: frozenset({AgentStatus.NESTING, AgentStatus.ON_LEAVE, AgentStatus.EXITED}),
    AgentStatus.NESTING: frozenset(
        {AgentStatus.ACTIVE, AgentStatus.ONBOARDING, AgentStatus.ON_LEAVE, AgentStatus.EXITED}
    ),
    AgentStatus.ACTIVE: frozenset({AgentStatus.ON_LEAVE, AgentStatus.EXITED}),
    AgentStatus.ON_LEAVE: frozenset(
        {AgentStatus.ACTIVE, AgentStatus.ONBOARDING, AgentStatus.NESTING, AgentStatus.EXITED}
    ),
    AgentStatus.EXITED: frozenset({AgentStatus.ONBOARDING}),
}


class SkillKind(models.TextChoices):
    """What a skill is about."""

    LANGUAGE = "language", "Language"
    PRODUCT = "product", "Product"
    CHANNEL = "channel", "Channel"
    OTHER = "other", "Other"


class Channel(models.TextChoices):
    """Contact channel of a queue. Voice, chat and messaging are live; email and social are async."""

    VOICE = "voice", "Voice"
    CHAT = "chat", "Chat"
    EMAIL = "email", "Email"
    SOCIAL = "social", "Social"
    MESSAGING = "messaging", "Messaging"


LIVE_CHANNELS = frozenset({Channel.VOICE, Channel.CHAT, Channel.MESSAGING})
CONCURRENT_CHANNELS = frozenset({Channel.CHAT, Channel.MESSAGING})


class ConversationSource(models.TextChoices):
    """The system a conversation came from."""

    ZENDESK = "zendesk", "Zendesk"
    INTERCOM = "intercom", "Intercom"
    FRESHDESK = "freshdesk", "Freshdesk"
    CSV = "csv", "CSV import"
    API = "api", "API"


class AuthorRole(models.TextChoices):
    """Who wrote a message of a transcript."""

    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    BOT = "bot", "Bot"
    SYSTEM = "system", "System"


# Length of one planning interval (forecasts, requirements, schedules), in minutes.
PLANNING_INTERVAL_CHOICES = [(15, "15 minutes"), (30, "30 minutes")]


class JobStatus(models.TextChoices):
    """Where a piece of background work is."""

    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
