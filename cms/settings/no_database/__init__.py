"""Database backend used when DATABASE_URL is unset: every database access fails with a clear message."""
