# The plugin's version, named as the tool in every SBOM it writes (sbom/cyclonedx.py).
__version__ = "0.9.0"
