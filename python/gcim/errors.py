"""errors.py: the exceptions of gcim's Python API; each carries the message of the tool or
the generated code that failed."""


class GcimError(Exception):
    """Base class of gcim's errors."""


class CompileError(GcimError):
    """gcim-compile failed: `diagnostics` is what it printed, `returncode` its exit status
    (1 for an error in the model, 2 for bad usage), `command` the command line."""

    def __init__(self, command, returncode, diagnostics):
        self.command = list(command)
        self.returncode = returncode
        self.diagnostics = diagnostics
        super().__init__(f"gcim-compile failed (exit status {returncode}):\n"
                         f"{diagnostics.strip()}")


class BuildError(GcimError):
    """Building the generated C failed: the message holds make's output."""


class RunError(GcimError):
    """The generated code refused or failed: the message is the one it reported."""
