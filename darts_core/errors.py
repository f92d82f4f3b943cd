"""One exception type for bad user input: the CLI prints its message on one line and exits 2."""


class DartsCoreError(Exception):
    """A problem with what the user gave us (config, file, string); the message names the input."""


class _OneLine:
    """`with one_line():` in a workflow script: a DartsCoreError ends the job with its one line
    (`error: ...`, exit 1) in the job's log instead of a traceback."""

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb):
        if kind is not None and issubclass(kind, DartsCoreError):
            print(f"error: {err}", flush=True)
            raise SystemExit(1) from None
        return False


def one_line() -> _OneLine:
    return _OneLine()
