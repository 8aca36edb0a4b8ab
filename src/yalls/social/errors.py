"""Stable error codes of the social domain (one section per area)."""

# --- posts, targets, reposts ---

# --- favorites, pins, follows, blocks, mutes, hides ---
