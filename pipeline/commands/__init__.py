"""One module per CLI command; each exposes `register(subparsers)`."""

COMMANDS = ("annotate", "dedup", "run", "signals", "train_classifier", "select", "export", "import_", "tokenize", "mix",
            "dsir", "report")
