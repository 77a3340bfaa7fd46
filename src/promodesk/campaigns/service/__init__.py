"""Campaign use cases: reading the mirror (``campaigns``), allocating campaigns and audiences
(``allocation``), changing a campaign's status or budget on TikTok (``changes``;
its three steps: ``change_steps``)."""
