"""Signal-bar features, each with one definition computed in batch and bar by bar."""

from transmission.features.compose import (
    FEATURE_COLUMNS,
    FeatureConfig,
    FeatureValues,
    IncrementalFeatures,
    compute_features,
    feature_columns,
    incremental_frame,
)

__all__ = [
    "FEATURE_COLUMNS",
    "FeatureConfig",
    "FeatureValues",
    "IncrementalFeatures",
    "compute_features",
    "feature_columns",
    "incremental_frame",
]
