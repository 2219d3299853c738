"""Local fake servers of the platforms, checking what they receive against their specs."""
