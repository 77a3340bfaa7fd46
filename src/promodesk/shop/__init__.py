"""Shop activities: enrollments and their safe cancellation."""
