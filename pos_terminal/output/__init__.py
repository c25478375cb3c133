"""What a terminal gives people: receipts (printed and electronic), transaction views,
statistics and the settlement totals of a batch."""
