"""The sandbox treasury portal: deals awaiting confirmation, confirm, affirm or dispute."""
