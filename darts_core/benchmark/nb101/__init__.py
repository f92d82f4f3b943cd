"""NAS-Bench-101 without TensorFlow: cell specs and their hash (`graph`), the TFRecord framing (`tfrecord`),
the ModelMetrics protobuf (`metrics`), the compact Parquet table and its look-ups (`table`), and the
checked download of the official file (`source`). Torch-free."""
