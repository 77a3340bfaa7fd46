"""What a merchant may tell customers after products leave an activity, in Chinese and English.

The wording states only what the cancel itself makes true (the products no longer carry the
activity price; they sell at their regular price) and the reason in plain words; it promises
nothing about orders already placed, whose fate depends on the reason (a stock shortage may
delay them), and sends questions about them to customer service instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from promodesk.shop.domain.enrollments import Reason

REASON_ZH = {
    Reason.STOCK_SHORTAGE: "因库存不足",
    Reason.WRONG_INFORMATION: "因商品信息需要更正",
    Reason.PLAN_CHANGE: "因活动安排调整",
    Reason.OTHER: "因活动调整",
}
REASON_EN = {
    Reason.STOCK_SHORTAGE: "because it is out of stock",
    Reason.WRONG_INFORMATION: "because its listing needs a correction",
    Reason.PLAN_CHANGE: "because our promotion plan changed",
    Reason.OTHER: "because of a change to the promotion",
}
NAMED = 5  # products named in the wording; more are counted


@dataclass(frozen=True)
class CustomerWording:
    zh: str
    en: str


def _names(titles: list[str], more: int, *, zh: bool) -> str:
    shown = titles[:NAMED]
    rest = len(titles) - len(shown) + more
    if zh:
        names = "、".join(f"「{t}」" for t in shown)
        return names + (f"等{len(shown) + rest}件商品" if rest else "")
    names = ", ".join(f"“{t}”" for t in shown)
    return names + (f" and {rest} more product(s)" if rest else "")


def customer_wording(
    reason: Reason, products: list[str], activities: list[str], more: int = 0
) -> CustomerWording:
    """``products``: titles of products that left; ``more``: how many others left too."""
    acts_zh = "、".join(f"「{a}」" for a in activities[:3]) or "本次"
    acts_en = ", ".join(f"“{a}”" for a in activities[:3]) or "this"
    zh = (
        f"您好!{REASON_ZH[reason]},{_names(products, more, zh=True)}已退出{acts_zh}活动,"
        "现按原价销售。如对已下的订单有疑问,请联系客服。给您带来不便,敬请谅解。"
    )
    en = (
        f"Hello! {_names(products, more, zh=False)} left the {acts_en} promotion "
        f"{REASON_EN[reason]} and now sell(s) at the regular price. If you have a question "
        "about an order you placed, please contact us. We apologise for the inconvenience."
    )
    return CustomerWording(zh=zh, en=en)
