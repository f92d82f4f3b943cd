"""One exception type for bad user input: the CLI prints its message on one line and exits 2."""


class DartsCoreError(Exception):
    """A problem with what the user gave us (config, file, string); the message names the input."""
