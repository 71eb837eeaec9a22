"""The sandbox HRIS: employees, separations and full-and-final statements, over a JSON API."""
