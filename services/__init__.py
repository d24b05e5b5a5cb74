"""Application services: one function per use case, under the CLI, the worker and the panel.

Each takes the runtime and plain arguments, returns dataclasses and raises the
error tree of ``backoffice.errors``: no click, no Flask, no printing, no prompts.
"""
