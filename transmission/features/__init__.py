"""Signal-bar features, each with one definition computed in batch and bar by bar."""

from transmission.features.compose import (
    FEATURE_COLUMNS,
    BatchFeatures,
    FeatureConfig,
    FeatureValues,
    IncrementalFeatures,
    compute_feature_arrays,
    compute_features,
    feature_columns,
    incremental_frame,
    reads_opening_ranges,
)

__all__ = [
    "FEATURE_COLUMNS",
    "BatchFeatures",
    "FeatureConfig",
    "FeatureValues",
    "IncrementalFeatures",
    "compute_feature_arrays",
    "compute_features",
    "feature_columns",
    "incremental_frame",
    "reads_opening_ranges",
]
