"""The customer desktop agent (chat, system details, screen, files, URLs)."""
