"""Pure rule logic: definitions, metrics, evaluation, schedules."""
