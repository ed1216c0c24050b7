"""Deliberation documents above the core: minutes (Markdown, PDF), QR codes, ballot sheets."""
