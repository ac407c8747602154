#!/usr/bin/env python3
"""The notebook's analysis step, for scripts/bench-vs-blktrace.sh: DuckDB loads blkparse's
text output (data lines only) and classifies the gap between consecutive dispatched reads
with a window function (LAG over the previous request's end sector, ordered by time).

usage: blkparse-duckdb-gaps.py BLKPARSE_TEXT [THREADS]
Prints one row per gap class and the number of data lines loaded."""
import sys
import duckdb

path = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
# blkparse's default line: "%D %2c %8s %5T.%9t %5p %2a %3d " then action-specific fields,
# e.g. "259,0    1        7     0.000012345  4242  D  RA 1234568 + 256 [reader]". Columns are
# padded with a variable number of spaces, so read each line whole and split it with a regex;
# the per-CPU and total summaries at the end do not match and are dropped.
pattern = (r"^\s*(\d+),(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\.(\d+)\s+(\d+)\s+(\S+)\s+(\S+)"
           r"(?:\s+(\d+) \+ (\d+))?")
con.execute(f"""
CREATE TABLE events AS
SELECT CAST(m.major AS INTEGER) AS major, CAST(m.minor AS INTEGER) AS minor,
       CAST(m.cpu AS INTEGER) AS cpu, CAST(m.seq AS BIGINT) AS seq,
       CAST(m.sec AS BIGINT) * 1000000000 + CAST(m.nsec AS BIGINT) AS time_ns,
       CAST(m.pid AS INTEGER) AS pid, m.action, m.rwbs,
       TRY_CAST(NULLIF(m.sector, '') AS UBIGINT) AS sector,
       TRY_CAST(NULLIF(m.nsect, '') AS UBIGINT) AS sectors
FROM (
  SELECT regexp_extract(line, '{pattern}',
         ['major','minor','cpu','seq','sec','nsec','pid','action','rwbs','sector','nsect']) AS m
  FROM read_csv('{path}', columns = {{'line': 'VARCHAR'}}, delim = '\\x01', quote = '',
                escape = '', header = false, auto_detect = false, strict_mode = false)
) WHERE m.action <> ''
""")
loaded = con.execute("SELECT count(*) FROM events").fetchone()[0]
rows = con.execute("""
WITH reads AS (
  SELECT time_ns, sector, sectors,
         LAG(sector + sectors) OVER (ORDER BY time_ns, seq) AS previous_end
  FROM events
  WHERE action = 'D' AND rwbs LIKE '%R%' AND sector IS NOT NULL
), gaps AS (
  SELECT CAST(sector AS HUGEINT) - CAST(previous_end AS HUGEINT) AS gap FROM reads
)
SELECT CASE WHEN gap IS NULL THEN 'first'
            WHEN gap = 0 THEN 'sequential'
            WHEN gap > 0 AND gap <= 256 THEN 'small forward (<=128 KiB)'
            WHEN gap > 0 THEN 'forward jump'
            WHEN gap >= -256 THEN 'small backward (<=128 KiB)'
            ELSE 'backward jump' END AS class,
       count(*) AS operations
FROM gaps GROUP BY class ORDER BY operations DESC
""").fetchall()
print(f"duckdb: {loaded} data lines loaded")
for name, count in rows:
    print(f"duckdb: {name:28s} {count}")
