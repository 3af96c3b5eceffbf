"""python -m ml_job: train, and write model.json and metrics.json to $OUTPUT_DIR."""

import json
import os
from pathlib import Path

from ml_job.train import train

if __name__ == "__main__":
    print(json.dumps(train(Path(os.environ.get("OUTPUT_DIR", "/output")))))
