import json

from xgboost import XGBClassifier

from ml_job.train import train


def test_train_writes_a_model_and_metrics_that_beat_the_bar(tmp_path):
    metrics = train(tmp_path, n_estimators=50)

    assert metrics["accuracy"] > 0.9
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics
    model = XGBClassifier()
    model.load_model(tmp_path / "model.json")
    assert model.n_features_in_ == 30


def test_train_is_reproducible(tmp_path):
    assert train(tmp_path / "a", n_estimators=20) == train(tmp_path / "b", n_estimators=20)
