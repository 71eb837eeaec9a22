"""Human tasks outside the workflow: the task table the inbox lists, and the audit trail."""
