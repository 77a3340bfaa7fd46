"""Console pages of automated rules: the list, the create/edit form, a rule with its log and
simulation, one evaluation's decisions."""
