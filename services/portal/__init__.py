"""The public portal: the desk's pages for the public and for proposers (issue 16)."""
