"""The sandbox HR intranet: employees, payroll records, user accounts, off-cycle pay runs."""
