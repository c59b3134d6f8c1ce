"""Contract PDFs: plain input documents, the reportlab renderer and (separately) signing."""
