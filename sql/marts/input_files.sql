-- one row per ingested file: rows in = rows loaded + rows rejected + duplicates dropped
with files as (
    select * from ingested_files
),

duplicates as (
    select file_id, count(*) as duplicates_dropped from stg_clickstream_duplicates group by file_id
    union all
    select file_id, count(*) filter (where is_duplicate) as duplicates_dropped from stg_tickets group by file_id
),

final as (
    select
        f.file_id,
        f.source,
        f.file_name,
        f.path,
        f.sha256,
        f.bytes,
        f.ingested_at,
        f.rows_in,
        f.rows_loaded - coalesce(d.duplicates_dropped, 0) as rows_loaded,
        f.rows_rejected,
        coalesce(d.duplicates_dropped, 0) as duplicates_dropped,
    from files as f
    left join duplicates as d on d.file_id = f.file_id
)

select * from final order by source, file_name, file_id
