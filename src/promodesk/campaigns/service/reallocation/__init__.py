"""Reallocate freed budget: move money out of a freed-budget pool into the budgets of other
campaigns on TikTok (``plan`` previews, ``start`` reserves, ``settle`` sends and records,
``views`` shows).

1. ``start`` — one unit of work: the plan (``campaigns.domain.reallocation.plan``, the same as
   the preview), the reallocation row with one item per campaign, and the money taken out of the
   pool with ``freed.use`` (ref ``realloc:{id}``). The pool's floor makes this safe against a
   second operator reallocating the same pool at once: the second posting fails with
   ``InsufficientFunds`` and answers ``PoolTooSmall`` ("only X left in the pool"), writing
   nothing. One reallocation per ``request_key`` (the Idempotency-Key, or the console's submit
   token): a retry returns the first.
2. ``settle`` — with no transaction open, each pending item's new budget goes to TikTok through
   ``changes.apply_budget`` (``campaign/update/``, then the campaign read back; mirror and audit
   in its own short unit). The budget sent is absolute (before + amount), so sending it again
   after a lost answer changes nothing more.
3. per item, a unit of work records the outcome: ``done`` (with the read-back budget and whether
   it matches), or ``failed`` with TikTok's words and its amount given back to the pool
   (``freed.give_back``, ref ``realloc-item:{item_id}``). When TikTok did not answer the item stays
   ``pending`` (the change may have reached TikTok): ``settle`` runs again on a retry. When no item
   is pending, the reallocation ends ``done``, ``partial`` or ``failed``.

Step 1 also writes a job (``SETTLE_JOB``, in the same transaction) that runs steps 2 and 3
again a few minutes later (``PROMODESK_ACCOUNTS_REALLOCATION_SETTLE_SECONDS``): whatever the
request left pending (TikTok did not answer, the process stopped) is settled without anyone
pressing Retry. The job sends in its prefetch (no transaction open) and records in its handler.
"""
