"""The sandbox background-check vendor: orders, notices, and results sent by signed webhook."""
