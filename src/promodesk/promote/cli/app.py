"""``promodesk promote``: the sub-app the root CLI mounts. Creators, content and coupons are in
``creators``; orders and the review queue in ``orders``; recharges, withdrawals and invoices in
``money``; the delivery simulator in ``simulate``. One unit of work per command; every rule
lives in the services."""

from __future__ import annotations

import typer

from promodesk.promote.cli.creators import contents, coupons, creators
from promodesk.promote.cli.money import invoices, recharge, withdraw, withdrawals
from promodesk.promote.cli.orders import orders, review_queue
from promodesk.promote.cli.simulate import simulate

promote_app = typer.Typer(
    help="Promote: boost a video or a LIVE with a coin wallet.", no_args_is_help=True
)
promote_app.add_typer(creators, name="creators")
promote_app.add_typer(contents, name="contents")
promote_app.add_typer(coupons, name="coupons")
promote_app.add_typer(orders, name="orders")
promote_app.add_typer(recharge, name="recharge")
promote_app.add_typer(withdrawals, name="withdrawals")
promote_app.add_typer(invoices, name="invoices")
promote_app.command("review-queue")(review_queue)
promote_app.command("withdraw")(withdraw)
promote_app.command("simulate")(simulate)
