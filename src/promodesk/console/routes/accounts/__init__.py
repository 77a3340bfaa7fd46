"""Console pages of the Accounts section: ad accounts, client accounts and advertisers,
campaigns and audiences, deallocations."""
