"""Console pages of the synced ad accounts' campaigns: the campaign, ad group and ad lists
(``lists``) and their exports (``export``), a campaign's page (``detail``), allocating and
deallocating campaigns (``allocation``); how money, budgets and metrics read on them
(``texts``). Changing a campaign on TikTok (status, budget): ``accounts/campaign_changes``;
audiences: ``accounts/audiences``."""
