"""The invoice PDF renders and shows seller, buyer, coins, price, currency, date and number."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime

from promodesk.kit.money import Money
from promodesk.promote.invoice_pdf import InvoiceDoc, render_invoice


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages: inflate each content stream and join its string operands."""
    chunks = []
    # Take each stream by its declared /Length: compressed bytes may end in "\r", which a
    # pattern up to "\r?\nendstream" would eat, leaving a stream that does not inflate.
    streams = [
        data[m.end() : m.end() + int(m.group(1))]
        for m in re.finditer(rb"/Length (\d+)[^>]*>>\s*stream\r?\n", data)
    ]
    for raw in streams:
        try:
            body = zlib.decompress(raw)
        except zlib.error:
            body = raw
        for m in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", body):
            chunks.append(re.sub(r"\\([()\\])", r"\1", m.decode("latin-1")))
    return "\n".join(chunks)


def doc(**overrides: object) -> InvoiceDoc:
    values: dict[str, object] = {
        "number": "PD-2026-000042",
        "issued_at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "seller_name": "Acme Promotions",
        "buyer_handle": "sari.shop",
        "buyer_name": "Sari Ayu",
        "buyer_region": "ID",
        "coins": 1000,
        "price": Money(1608750, "IDR"),
        "method": "ovo",
        "recharge_id": 7,
    }
    values.update(overrides)
    return InvoiceDoc(**values)  # type: ignore[arg-type]


def test_invoice_renders_every_field() -> None:
    data = render_invoice(doc())
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for expected in (
        "PD-2026-000042",
        "2026-03-01 09:30 UTC",
        "Acme Promotions",
        "@sari.shop (Sari Ayu)",
        "1,000",
        "16,087.50 IDR",  # an amount not in whole rupiah keeps every digit
        "ovo",
        "#7",
    ):
        assert expected in text, expected


def test_rendering_is_deterministic() -> None:
    assert render_invoice(doc()) == render_invoice(doc())


def test_non_latin_names_do_not_break_rendering() -> None:
    data = render_invoice(doc(seller_name="推广工作室", buyer_name="Çağrı", price=Money(99, "USD")))
    text = pdf_text(data)
    assert "0.99 USD" in text
    assert "PD-2026-000042" in text


def test_amount_paid_in_whole_rupiah_shows_as_charged() -> None:
    text = pdf_text(render_invoice(doc(coins=500, price=Money(8043800, "IDR"))))
    assert "80,438 IDR" in text
    assert "80,438.00" not in text
