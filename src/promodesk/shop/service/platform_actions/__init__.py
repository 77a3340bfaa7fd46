"""What each shop action writes to a linked shop's platform, recorded in the action's own
transaction (``platform_writes.record``) and carried out by the write job, each call verified
by reading back: ``access`` (the link a write goes through), ``stock`` (a product's stock and
listing), ``enrollments`` (a product in or out of an activity).

Rules:
- Only a product or activity mirrored from a linked shop's platform is written there; a shop
  with no link (or a product the platform does not know) changes locally only, as before.
- A shop whose link waits for re-authorization refuses an action taken by a person
  (``PlatformReauthorize``, nothing changed anywhere): the platform would not follow. A
  job (the delist after the delay) goes on locally and notes the skipped write in the audit.
- Stock to zero sets every SKU's stock to 0 (Update Inventory); a restock sets the new stock
  (the snapshot's SKU quantities when it restores one, else spread over the SKUs); the delist
  deactivates the product and removes it from the platform activities its enrollments left.
- A restored cancellation puts the product back in its activity with the snapshot's activity
  price and quantities (and the SKU terms the platform had when it was removed), after a
  republish when the activity was deactivated and the platform allows it (spec §1.1, §1.5).
- A replace adds the replacement with its price and the old quantities, then removes the
  replaced product (never a moment with neither; not at all when the addition failed).
- A finished cancel batch removes its done items from their platform activities, one write per
  activity (``batch:<id>:activity:<id>``).
"""
