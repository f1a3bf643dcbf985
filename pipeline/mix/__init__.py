"""Mix several selected sources into one training set with exact token proportions."""
