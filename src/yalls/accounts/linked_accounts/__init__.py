"""Linked accounts (X, Instagram, Facebook, YouTube, TikTok, a website) and badges, in rooms:
`providers` (rules, URL checks, the lifecycle table), `rel_me` (the page parser), `selectors`,
`services`, `badges`, `demo` (seed data), `views`, `api`. See docs/accounts.md#linked-accounts--badges.

Lifecycle (one transition table, `_move` refuses anything else):
  save (rel=me provider)       → checking      (a verification job is deferred in the same transaction)
  save (review-only provider)  → unverified    (waiting for a proof URL), or pending_review if one came along
  job finds the back-link      checking → verified        job does not   checking → failed
  member submits a proof URL   unverified | failed | rejected → pending_review
  moderator decides            pending_review → verified | rejected
  member asks for a re-check   failed | verified | unverified → checking   (rel=me providers only)
Changing the URL starts over; saving the same URL changes nothing.
"""
