"""The benchmark behind `make bench`: Foyer under load against a slowed-down sandbox."""
