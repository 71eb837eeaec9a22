"""The sandbox IT asset register: laptops with serials, assigned, shipped and returned."""
