"""The application shell: settings, storage, errors, logging and the command line.

The domain packages (billing, mapping, adapters, sync) may import the shell's
settings, storage and errors modules; the shell's cli module imports them all.
Nothing imports the cli module.
"""
