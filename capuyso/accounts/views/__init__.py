"""Account pages, split by feature: sign-in and 2FA, profile, user admin, permissions."""
