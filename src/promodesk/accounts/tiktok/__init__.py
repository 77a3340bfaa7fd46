"""The accounts feature's side of TikTok: the process-wide client and token vault
(``client``), the pages a sync step fetches (``fetch``) and TikTok items turned into mirror rows
(``mapping``). Nothing here touches the database."""
