"""What the ML image promises: its libraries import and train a model worth its name."""

import json

TRAIN = """
import json
import numpy, scipy, sklearn, xgboost
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
features, labels = load_breast_cancer(return_X_y=True)
x_train, x_test, y_train, y_test = train_test_split(
    features, labels, test_size=0.25, random_state=0, stratify=labels
)
model = xgboost.XGBClassifier(n_estimators=50, max_depth=3, random_state=0)
model.fit(x_train, y_train)
print(json.dumps({"accuracy": float((model.predict(x_test) == y_test).mean())}))
"""


def test_xgboost_trains_an_accurate_model_on_bundled_data(containers):
    ran = containers.run(["python", "-c", TRAIN], entrypoint=[], timeout=300)
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.output.strip().splitlines()[-1])["accuracy"] >= 0.9
