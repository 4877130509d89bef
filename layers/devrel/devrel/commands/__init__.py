"""`devrel` subcommands beyond the runner; each module exposes `register(subparsers)`."""
