"""Pure renewal domain rules: plain typed values in, plain typed values out. No I/O, no clock."""
