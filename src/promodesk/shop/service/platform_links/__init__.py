"""A shop's link to its shop on a commerce platform (TikTok Shop): ``authorization`` (the
signed state, the code exchange, the pending authorization of the pick-a-shop form),
``linking`` (picking the platform shop and writing the link), ``tokens`` (the vault, access
to the platform, refresh, re-authorization), ``refresh`` (the scheduled refresh job), and
``reads`` (the links and what may be shown of them)."""
