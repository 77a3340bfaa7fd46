"""Promote: boost a video or a LIVE with a coin wallet."""
