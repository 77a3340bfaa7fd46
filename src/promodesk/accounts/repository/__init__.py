"""All SQL of the accounts feature: ad accounts, grants, client accounts and allocations
(``accounts``); sync runs and the mirror's upserts (``sync``)."""
