"""cli.py: an argparse parser whose usage errors exit with status 1, like every other error of
gcim's command-line scripts (argparse's own default is 2)."""
import argparse
import sys


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(1)
