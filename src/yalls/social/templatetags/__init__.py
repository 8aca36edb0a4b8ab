"""Template tags of the social app (one module per area)."""
