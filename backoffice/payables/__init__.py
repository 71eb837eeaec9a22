"""Accounts payable records the engine owns: supplier invoices as received, for duplicates."""
