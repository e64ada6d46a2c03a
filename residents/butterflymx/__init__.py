"""ButterflyMX: the API client and, beside it, the allauth provider that connects residents."""
