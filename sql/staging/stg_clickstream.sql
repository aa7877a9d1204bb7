-- materialized: view
-- one row per clickstream row loaded from any file; exact duplicates flagged (stg_clickstream_duplicates), not
-- removed. A view: the clickstream is the largest table, and only journey_events reads all of it.
-- file_rank orders files by name (the tie-break for events with the same timestamp). attribute_values are the
-- config `attributes` columns' values in the order of the file's ingested_files.attribute_names.
with raw_clickstream as (
    select * from raw_clickstream
),

files as (
    select file_id, file_name, row_number() over (order by file_name, file_id) as file_rank from ingested_files
),

duplicates as (
    select file_id, record_no from stg_clickstream_duplicates
),

final as (
    select
        r.customer_id,
        r.occurred_at,
        r.touchpoint,
        r.session_id,
        r.attribute_values,
        r.file_id,
        f.file_name,
        f.file_rank,
        r.record_no,
        d.file_id is not null as is_duplicate,
    from raw_clickstream as r
    inner join files as f on f.file_id = r.file_id
    left join duplicates as d on d.file_id = r.file_id and d.record_no = r.record_no
)

select * from final
