"""`renewal-sync report`: renewal KPIs, the renewal calendar and the at-risk list."""
