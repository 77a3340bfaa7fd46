"""Progress of long-running operations (one mechanism for syncs, batch cancels, ...)."""
