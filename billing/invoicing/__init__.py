"""Invoicing: draft batches, health check, approval, numbering, credits, voids, export."""
