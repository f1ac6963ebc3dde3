"""`mindlite.train.metrics` (MindSpore's home of the evaluation metrics): the classes of
`mindlite.nn.metrics`, re-exported."""
from ..nn.metrics import (F1, MAE, MSE, Accuracy, Fbeta, Loss, Metric, Precision, Recall,  # noqa: F401
                          Top1CategoricalAccuracy, Top5CategoricalAccuracy, TopKCategoricalAccuracy, get_metric_fn,
                          names)
