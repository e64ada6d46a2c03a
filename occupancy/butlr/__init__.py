"""The Butlr API client: auth, reporting, detections and GraphQL topology."""
