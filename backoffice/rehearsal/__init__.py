"""Rehearsals: a definition run against scenario files on skipped time, with stand-ins."""
