"""Stable error codes of the accounts domain."""

INVALID_CREDENTIALS = "auth.invalid_credentials"
MFA_REQUIRED = "auth.mfa_required"
MFA_INVALID = "auth.mfa_invalid"
TOO_MANY_ATTEMPTS = "auth.too_many_attempts"
REFRESH_INVALID = "auth.refresh_invalid"
REFRESH_EXPIRED = "auth.refresh_expired"
REFRESH_REUSED = "auth.refresh_reused"
TOKEN_INVALID = "auth.token_invalid"  # noqa: S105 - an error code
TOKEN_EXPIRED = "auth.token_expired"  # noqa: S105 - an error code
EMAIL_TAKEN = "account.email_taken"
EMAIL_UNVERIFIED = "auth.email_unverified"
TIMEZONE_INVALID = "profile.timezone_invalid"
LOCALE_INVALID = "profile.locale_invalid"

# --- Linked accounts and badges (yalls.accounts.linked_accounts) -------------------------------
LINK_PROVIDER_INVALID = "link.provider_invalid"
LINK_URL_INVALID = "link.url_invalid"
LINK_NOT_FOUND = "link.not_found"
LINK_PROOF_INVALID = "link.proof_invalid"
LINK_ILLEGAL_TRANSITION = "link.illegal_transition"
LINK_NOT_ALLOWED = "link.not_allowed"
BADGE_UNKNOWN = "badge.unknown"
BADGE_NOT_ALLOWED = "badge.not_allowed"
BADGE_MEMBER_UNKNOWN = "badge.member_unknown"
BADGE_NOT_GRANTED = "badge.not_granted"
