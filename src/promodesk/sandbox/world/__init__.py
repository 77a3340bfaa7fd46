"""The Marketing API sandbox's state.

- ``objects``: ``World``: the generated records plus the changes clients made (accounts, money,
  ids and parents, creates, status and budget changes, times and names).
- ``status``: the effective status rules of campaigns, ad groups and ads (``DELETED``).
- ``caches``: what is kept between requests: status filters, report rows, ended days' spend.
"""
