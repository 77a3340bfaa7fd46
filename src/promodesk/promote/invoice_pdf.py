"""Rendering a recharge invoice as a PDF (fpdf2, core fonts only: no font files shipped).

Rule: the PDF is a pure function of the stored invoice snapshot, so re-downloading an invoice
always gives the same document (the creation date inside the file is the issue date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

from promodesk.kit.money import Money


@dataclass(frozen=True, slots=True)
class InvoiceDoc:
    number: str
    issued_at: datetime
    seller_name: str
    buyer_handle: str
    buyer_name: str
    buyer_region: str
    coins: int
    price: Money
    method: str
    recharge_id: int


def _latin1(text: str) -> str:
    # Core PDF fonts cover Latin-1 only; anything else is shown as "?" rather than failing.
    return text.encode("latin-1", "replace").decode("latin-1")


def render_invoice(doc: InvoiceDoc) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(doc.issued_at)
    pdf.set_title(f"Invoice {doc.number}")
    pdf.set_author(_latin1(doc.seller_name))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 12, "INVOICE", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    rows = [
        ("Invoice number", doc.number),
        ("Date", doc.issued_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Seller", doc.seller_name),
        ("Buyer", f"@{doc.buyer_handle}" + (f" ({doc.buyer_name})" if doc.buyer_name else "")),
        ("Buyer region", doc.buyer_region),
        ("Payment method", doc.method),
        ("Recharge", f"#{doc.recharge_id}"),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(45, 8, label)
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(0, 8, _latin1(value), new_x="LMARGIN", new_y="NEXT")

    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(90, 9, "Description", border=1)
    pdf.cell(40, 9, "Quantity", border=1, align="R")
    pdf.cell(0, 9, f"Amount ({doc.price.currency})", border=1, align="R")
    pdf.ln()
    pdf.set_font("Helvetica", "", 11)
    amount = doc.price.number()  # the same digits the console, CLI and API show
    pdf.cell(90, 9, "Promote coins", border=1)
    pdf.cell(40, 9, f"{doc.coins:,}", border=1, align="R")
    pdf.cell(0, 9, amount, border=1, align="R")
    pdf.ln()
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(130, 9, "Total", border=1)
    pdf.cell(0, 9, f"{amount} {doc.price.currency}", border=1, align="R")
    pdf.ln(14)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(
        0,
        5,
        "Coins are credited to the buyer's Promote wallet once the payment is confirmed. "
        "Unspent coins of a promotion are returned to the wallet when the promotion ends.",
    )
    return bytes(pdf.output())
