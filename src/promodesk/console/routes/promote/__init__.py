"""Console pages of Promote: creators and their wallets, money, orders, the review queue."""
