"""The `renewal-sync` command line."""
