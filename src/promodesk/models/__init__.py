"""Every ORM table, one module per aggregate, re-exported here."""

from promodesk.models.base import Base
from promodesk.models.jobs import Job, Operation, Schedule, WorkerHeartbeat
from promodesk.models.ledger import LedgerAccount, LedgerEntry, LedgerLine
from promodesk.models.platform import AuditEvent, IdempotencyKey
from promodesk.models.promote import (
    PromoteContent,
    PromoteCoupon,
    PromoteCreator,
    PromoteDeliveryBatch,
    PromoteDeliveryEvent,
    PromoteOrder,
    PromoteOrderHourly,
)
from promodesk.models.promote_money import (
    PromoteInvoice,
    PromoteInvoiceCounter,
    PromotePaymentMethod,
    PromoteRecharge,
    PromoteWithdrawal,
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
    "ApiKey",
    "AuditEvent",
    "Base",
    "ConsoleSession",
    "IdempotencyKey",
    "Job",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerLine",
    "LoginAttempt",
    "Membership",
    "Operation",
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
    "Schedule",
    "User",
    "WorkerHeartbeat",
    "Workspace",
]
from promodesk.models.notify import OutboxEmail as OutboxEmail
from promodesk.models.notify import OutboxWebhook as OutboxWebhook
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
from promodesk.models.tiktok import (
    AdAccountAllocation as AdAccountAllocation,
)
from promodesk.models.tiktok import (
    AudienceAllocation as AudienceAllocation,
)
from promodesk.models.tiktok import (
    CampaignAllocation as CampaignAllocation,
)
from promodesk.models.tiktok import (
    ClientAccount as ClientAccount,
)
from promodesk.models.tiktok import (
    ClientAdvertiser as ClientAdvertiser,
)
from promodesk.models.tiktok import (
    ConversionGoal as ConversionGoal,
)
from promodesk.models.tiktok import (
    RemarketingTag as RemarketingTag,
)
from promodesk.models.tiktok import (
    TikTokAccountRequest as TikTokAccountRequest,
)
from promodesk.models.tiktok import (
    TikTokAd as TikTokAd,
)
from promodesk.models.tiktok import (
    TikTokAdAccount as TikTokAdAccount,
)
from promodesk.models.tiktok import (
    TikTokAdGroup as TikTokAdGroup,
)
from promodesk.models.tiktok import (
    TikTokAudience as TikTokAudience,
)
from promodesk.models.tiktok import (
    TikTokAuthorization as TikTokAuthorization,
)
from promodesk.models.tiktok import (
    TikTokCampaign as TikTokCampaign,
)
from promodesk.models.tiktok import (
    TikTokSyncRun as TikTokSyncRun,
)

__all__ += [
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
    "ShopProduct",
    "ShopProductFollower",
    "ShopRiskEvent",
    "ShopSnapshot",
    "ShopVerification",
]
