"""Training scripts for the embedded model family (run as ``python -m tedigan_demo.train.<part>``)."""
