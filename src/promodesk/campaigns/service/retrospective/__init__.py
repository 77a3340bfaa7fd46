"""The retrospective of cancellations (复盘): the report per period (``report``), its files
(``export``), the lessons and action items of a cancellation (``notes``) and the dashboard's
card (``card``)."""
