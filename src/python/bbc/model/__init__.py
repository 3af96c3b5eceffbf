"""What an image is: its tags, semver versions, variants, labels and content identity."""
