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
from promodesk.models.tiktok import AdAccountAllocation as AdAccountAllocation, AudienceAllocation as AudienceAllocation, CampaignAllocation as CampaignAllocation, ClientAccount as ClientAccount, ClientAdvertiser as ClientAdvertiser, ConversionGoal as ConversionGoal, RemarketingTag as RemarketingTag, TikTokAccountRequest as TikTokAccountRequest, TikTokAd as TikTokAd, TikTokAdAccount as TikTokAdAccount, TikTokAdGroup as TikTokAdGroup, TikTokAudience as TikTokAudience, TikTokAuthorization as TikTokAuthorization, TikTokCampaign as TikTokCampaign, TikTokSyncRun as TikTokSyncRun  # noqa: E501, I001
from promodesk.models.notify import OutboxEmail as OutboxEmail, OutboxWebhook as OutboxWebhook
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
