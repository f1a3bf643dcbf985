"""One module per CLI command; each exposes `register(subparsers)`."""

COMMANDS = ("annotate", "dedup", "run", "signals", "train_classifier", "fit_dsir", "select", "export", "tokenize", "mix",
            "report")
