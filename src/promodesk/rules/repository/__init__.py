"""All SQL of rules: the rules and their log (``rules``), and what rules observe (``sources``)."""
