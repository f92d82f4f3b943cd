"""The compact NAS-Bench-101 table (rule `nb101_table`) from the official TFRecord, checked against its
published sha256 (downloaded first when `paths.download` allows it)."""

import sys

from darts_core.benchmark.nb101 import source, table

sys.stderr = open(snakemake.log[0], "w")
digest = source.ensure(snakemake.params.tfrecord, allow_download=snakemake.params.download)
summary = table.build_table(snakemake.params.tfrecord, snakemake.output[0], digest)
print(f"{summary['hashes']} specs, {summary['rows']} rows from {summary['records']} records", file=sys.stderr)
