"""NAS-Bench-201 lookups: arch index (`nb201_index`), the compact Parquet table (`table`, `pth_source`),
per-arch / per-run / per-stop accuracies (`lookup`), the `lookup` and `benchmark-table` subcommands (`cli`),
and the train-from-scratch fallback for data without a table (`scratch`). NAS-Bench-101 (specs, hash,
its tfrecord and table, without TensorFlow) is the subpackage `nb101`."""
