"""Mirror a linked shop's platform data into promodesk's shop tables: ``steps`` (starting a
sync and its steps, one platform page each), ``products``, ``activities`` and ``coupons`` (the
mirror of each), and ``webhooks`` (received, recorded once, read back and mirrored)."""
