"""The auditors' and information-governance pages: audit search and access reports."""
