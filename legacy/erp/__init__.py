"""The sandbox ERP: suppliers, purchase orders, goods receipts, invoices and payments."""
