"""Every ORM table, one module per aggregate (named after the feature that owns it), re-exported
here."""

from promodesk.models.accounts import (
    AdAccountAllocation,
    ClientAccount,
    ClientAdvertiser,
    ConversionGoal,
    RemarketingTag,
    TikTokAccountRequest,
    TikTokAdAccount,
    TikTokAuthorization,
    TikTokSyncRun,
)
from promodesk.models.audit import (
    AuditEvent,
)
from promodesk.models.base import Base
from promodesk.models.campaigns import (
    AudienceAllocation,
    CampaignAllocation,
    TikTokAd,
    TikTokAdGroup,
    TikTokAudience,
    TikTokCampaign,
)
from promodesk.models.cancellations import (
    CampaignCancellation,
    CampaignCancellationItem,
)
from promodesk.models.idempotency import (
    IdempotencyKey,
)
from promodesk.models.jobs import (
    Job,
    Schedule,
    WorkerHeartbeat,
)
from promodesk.models.ledger import (
    LedgerAccount,
    LedgerEntry,
    LedgerLine,
)
from promodesk.models.notify import (
    OutboxEmail,
    OutboxWebhook,
)
from promodesk.models.operations import (
    Operation,
)
from promodesk.models.promote import (
    PromoteContent,
    PromoteCoupon,
    PromoteCreator,
    PromoteDeliveryBatch,
    PromoteDeliveryEvent,
    PromoteInvoice,
    PromoteInvoiceCounter,
    PromoteOrder,
    PromoteOrderHourly,
    PromotePaymentMethod,
    PromoteRecharge,
    PromoteWithdrawal,
)
from promodesk.models.promotions import (
    PromotionProductLink,
    PromotionStop,
)
from promodesk.models.reallocations import (
    BudgetTransfer,
    CampaignReallocation,
    CampaignReallocationItem,
)
from promodesk.models.reports import (
    TikTokReportRow,
    TikTokReportSync,
    TikTokReportTotal,
)
from promodesk.models.rules import (
    Rule,
    RuleDecision,
    RuleEvaluation,
    RuleLabel,
)
from promodesk.models.shop import (
    Shop,
    ShopActivity,
    ShopActivityCounter,
    ShopAnnouncement,
    ShopBatch,
    ShopBatchItem,
    ShopCancellation,
    ShopCompensation,
    ShopCompensationCoupon,
    ShopEnrollment,
    ShopMember,
    ShopOffer,
    ShopProduct,
    ShopProductFollower,
    ShopRiskEvent,
    ShopSnapshot,
    ShopVerification,
)
from promodesk.models.shop_platform import (
    ShopPlatformEvent,
    ShopPlatformIntent,
    ShopPlatformLink,
    ShopProductSku,
)
from promodesk.models.tenancy import (
    ApiKey,
    ConsoleSession,
    LoginAttempt,
    Membership,
    User,
    Workspace,
)

__all__ = [
    "AdAccountAllocation",
    "ApiKey",
    "AudienceAllocation",
    "AuditEvent",
    "Base",
    "BudgetTransfer",
    "CampaignAllocation",
    "CampaignCancellation",
    "CampaignCancellationItem",
    "CampaignReallocation",
    "CampaignReallocationItem",
    "ClientAccount",
    "ClientAdvertiser",
    "ConsoleSession",
    "ConversionGoal",
    "IdempotencyKey",
    "Job",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerLine",
    "LoginAttempt",
    "Membership",
    "Operation",
    "OutboxEmail",
    "OutboxWebhook",
    "PromoteContent",
    "PromoteCoupon",
    "PromoteCreator",
    "PromoteDeliveryBatch",
    "PromoteDeliveryEvent",
    "PromoteInvoice",
    "PromoteInvoiceCounter",
    "PromoteOrder",
    "PromoteOrderHourly",
    "PromotePaymentMethod",
    "PromoteRecharge",
    "PromoteWithdrawal",
    "PromotionProductLink",
    "PromotionStop",
    "RemarketingTag",
    "Rule",
    "RuleDecision",
    "RuleEvaluation",
    "RuleLabel",
    "Schedule",
    "Shop",
    "ShopActivity",
    "ShopActivityCounter",
    "ShopAnnouncement",
    "ShopBatch",
    "ShopBatchItem",
    "ShopCancellation",
    "ShopCompensation",
    "ShopCompensationCoupon",
    "ShopEnrollment",
    "ShopMember",
    "ShopOffer",
    "ShopPlatformEvent",
    "ShopPlatformIntent",
    "ShopPlatformLink",
    "ShopProduct",
    "ShopProductFollower",
    "ShopProductSku",
    "ShopRiskEvent",
    "ShopSnapshot",
    "ShopVerification",
    "TikTokAccountRequest",
    "TikTokAd",
    "TikTokAdAccount",
    "TikTokAdGroup",
    "TikTokAudience",
    "TikTokAuthorization",
    "TikTokCampaign",
    "TikTokReportRow",
    "TikTokReportSync",
    "TikTokReportTotal",
    "TikTokSyncRun",
    "User",
    "WorkerHeartbeat",
    "Workspace",
]
