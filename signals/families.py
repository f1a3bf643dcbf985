"""Imports every built-in family so that it registers itself. Add new family modules here."""

import signals.ccnet  # noqa: F401
import signals.minhash  # noqa: F401
import signals.rps_doc  # noqa: F401
import signals.rps_lines  # noqa: F401
import signals.assay_extras  # noqa: F401
