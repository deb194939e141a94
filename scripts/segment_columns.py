"""Bytes per row of each column of a log store's segments (issue 14, goal 4).

Usage: python3 scripts/segment_columns.py <data>/logs/segments [zstd level, default 6]
(needs pyarrow; a bench run with --keep-data leaves such a directory).

An estimate: each column of each batch is compressed alone at the given level and
dictionaries are counted once per file, which comes within 1 % of the files' real size.
"""
import sys, glob, os, collections
import pyarrow as pa, pyarrow.ipc as ipc
d = sys.argv[1]; level = int(sys.argv[2]) if len(sys.argv) > 2 else 6
FIXED = {"timestamp_us", "observed_us", "uuid", "severity", "severity_number", "service_name", "body",
         "resource_attributes", "resource_fingerprint", "attributes", "trace_id", "span_id", "trace_flags",
         "instrumentation_scope", "event_name", "bytes"}
opts = ipc.IpcWriteOptions(compression=pa.Codec("zstd", compression_level=level))
def size(arr):
    sink = pa.BufferOutputStream()
    b = pa.record_batch([arr], names=["c"])
    with ipc.new_stream(sink, b.schema, options=opts) as w: w.write_batch(b)
    return sink.getvalue().size
tot = collections.Counter(); rows = 0; files = 0; disk = 0
for f in sorted(glob.glob(os.path.join(d, "*.seg"))):
    files += 1; disk += os.path.getsize(f)
    r = ipc.open_file(f)
    dicts = {}
    for i in range(r.num_record_batches):
        b = r.get_batch(i); rows += b.num_rows
        for name, col in zip(b.schema.names, b.columns):
            key = name if name in FIXED else "attr:" + name
            if pa.types.is_dictionary(col.type):
                tot[key] += size(col.indices)
                dicts[key] = col.dictionary
            else:
                tot[key] += size(col)
    for k, v in dicts.items(): tot[k + " (dict)"] += size(v)
print(f"{files} files, {rows} rows, .seg on disk {disk/rows:.2f} B/row; sum of parts {sum(tot.values())/rows:.2f}")
for k, v in tot.most_common(): print(f"{v/rows:8.2f}  {k}")
