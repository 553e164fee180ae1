"""Everything that talks to the Docker Engine. Nothing outside this package imports docker."""
