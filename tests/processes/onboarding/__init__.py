"""The shipped onboarding definition, its sample input and its rehearsal."""
