"""The engine's revisions (branch ``engine``), oldest first by their numbers."""
