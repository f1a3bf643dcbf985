"""One module per CLI command; each exposes `register(subparsers)`."""

COMMANDS = ("annotate", "run", "signals", "train_classifier", "fit_dsir", "select", "export")
