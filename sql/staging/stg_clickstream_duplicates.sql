-- one row per clickstream row that repeats an earlier one (same customer, timestamp and touchpoint): every copy
-- after the first, first meaning the earliest file by name, then the earliest record. Few rows, so the window
-- sorts only the repeated keys, never the whole clickstream.
with raw_clickstream as (
    select file_id, record_no, customer_id, occurred_at, touchpoint from raw_clickstream
),

files as (
    select file_id, row_number() over (order by file_name, file_id) as file_rank from ingested_files
),

repeated as (
    select customer_id, occurred_at, touchpoint
    from raw_clickstream
    group by customer_id, occurred_at, touchpoint
    having count(*) > 1
)

select r.file_id, r.record_no
from raw_clickstream as r
inner join repeated as k
    on k.customer_id = r.customer_id and k.occurred_at = r.occurred_at and k.touchpoint = r.touchpoint
inner join files as f on f.file_id = r.file_id
qualify row_number() over (
    partition by r.customer_id, r.occurred_at, r.touchpoint
    order by f.file_rank, r.record_no
) > 1
