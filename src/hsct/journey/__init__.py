"""Journey planner: a dated timeline from washout to the years after transplant."""
