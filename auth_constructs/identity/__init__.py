"""Who signs in and how: the user pool, its clients, domains, providers, groups,
triggers and the identity pool."""
