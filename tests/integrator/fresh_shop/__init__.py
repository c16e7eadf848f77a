"""A new shop built from Oscar's docs, with the plugin installed exactly as README says."""
