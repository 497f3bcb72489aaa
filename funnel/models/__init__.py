"""Funnel models, one module per concept: the core (lead, touchpoint, event, order, routing),
intake (raw records), ad spend and the outbox. Import them from here."""

from funnel.models.audit import ExportAudit  # noqa: F401
from funnel.models.core import (  # noqa: F401  (names other modules import from here)
    STAGE_MAIN_PATH,
    ApiToken,
    Assistant,
    AssistantDayLoad,
    AssistantPool,
    Channel,
    Clinic,
    DistinctLeadPair,
    EliminationRule,
    FollowUp,
    GroupMembership,
    Lead,
    LeadAlias,
    LeadEvent,
    Order,
    PoolMember,
    PrivateGroup,
    ReferralCodeAlias,
    ReferralReward,
    RoutingRule,
    ScoringRule,
    ServicePackage,
    ShanghaiDate,
    Specialty,
    Stage,
    Touchpoint,
)
from funnel.models.idempotency import IdempotencyKey  # noqa: F401
from funnel.models.intake import InboundLead, InboundStatus  # noqa: F401
from funnel.models.notification import Notification  # noqa: F401
from funnel.models.outbox import OutboxDelivery  # noqa: F401
from funnel.models.spend import AssistantBehaviorDay, SpendRecord  # noqa: F401
