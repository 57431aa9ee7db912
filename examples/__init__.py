"""Examples that use payparts_helpers; not part of the installed package."""
