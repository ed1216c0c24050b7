"""Printable reports of the city check-up: static maps, HTML, PDF (A4, Noto CJK) and XLSX."""
