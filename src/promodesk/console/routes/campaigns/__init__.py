"""Console pages of campaign cancellations, budgets and their monitoring."""
