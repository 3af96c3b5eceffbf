"""SBOMs: what images hold, as CycloneDX, written at package and recorded in registries."""
