"""Set-based SQL of cancel batches: the batches and their items (``items``), a chunk's reads
and writes on the driver (``chunk``), the verification (``verification``).

Every statement works on a whole chunk (a handful of statements per chunk whatever its size),
so a batch's cost grows linearly with its item count.
"""

from __future__ import annotations

from promodesk.shop.repository.batches.items import BatchItems
from promodesk.shop.repository.batches.verification import BatchVerification


class BatchRepository(BatchItems, BatchVerification):
    """The batches, their items and their verification (a chunk's own work: ``ChunkStore``)."""
