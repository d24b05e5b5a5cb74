"""The catalog: terms, products, their classes and families, and the catalog file."""
