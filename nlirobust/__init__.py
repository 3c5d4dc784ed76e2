"""nlirobust: what did an NLI model really learn? Data, training and analysis behind the Snakemake workflow."""

__version__ = "0.1.0"
