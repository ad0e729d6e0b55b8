"""Rating: sample intervals matched against catalog entries, priced into line items."""
