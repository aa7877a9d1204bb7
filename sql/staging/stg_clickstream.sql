-- one row per clickstream row loaded from any file; exact duplicates flagged, not removed
with raw_clickstream as (
    select * from raw_clickstream
),

files as (
    select file_id, file_name from ingested_files
),

joined as (
    select
        r.customer_id,
        r.occurred_at,
        r.touchpoint,
        r.session_id,
        r.attributes,
        r.file_id,
        f.file_name,
        r.record_no,
    from raw_clickstream as r
    inner join files as f on f.file_id = r.file_id
),

final as (
    select
        *,
        row_number() over (
            partition by customer_id, occurred_at, touchpoint
            order by file_name, file_id, record_no
        ) > 1 as is_duplicate,
    from joined
)

select * from final
