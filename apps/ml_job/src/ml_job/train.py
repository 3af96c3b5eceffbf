"""Trains an XGBoost classifier on scikit-learn's bundled breast cancer data set."""

from __future__ import annotations

import json
from pathlib import Path

from sklearn.datasets import load_breast_cancer
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split
from xgboost import XGBClassifier


def train(output_dir: Path, seed: int = 0, n_estimators: int = 200) -> dict:
    """Fits, evaluates on a held-out quarter, writes model.json and metrics.json."""
    features, labels = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        features, labels, test_size=0.25, random_state=seed, stratify=labels
    )
    model = XGBClassifier(n_estimators=n_estimators, max_depth=3, learning_rate=0.1, random_state=seed)
    model.fit(x_train, y_train)
    probabilities = model.predict_proba(x_test)[:, 1]
    metrics = {
        "accuracy": float(accuracy_score(y_test, probabilities > 0.5)),
        "roc_auc": float(roc_auc_score(y_test, probabilities)),
        "train_rows": int(len(y_train)),
        "test_rows": int(len(y_test)),
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_model(output_dir / "model.json")
    (output_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics
