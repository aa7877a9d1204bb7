-- one row per ticket row loaded from any file; exact duplicates flagged, not removed.
-- file_rank orders files by name (the tie-break for events with the same timestamp).
with raw_tickets as (
    select * from raw_tickets
),

files as (
    select file_id, file_name, row_number() over (order by file_name, file_id) as file_rank from ingested_files
),

joined as (
    select
        coalesce(r.ticket_id, f.file_name || '#' || cast(r.record_no + 1 as varchar)) as ticket_id,
        r.customer_id,
        r.occurred_at,
        r.category,
        case when r.category is null then 'ticket' else 'ticket:' || r.category end as touchpoint,
        r.body,
        try_cast(r.satisfaction as double) as satisfaction,
        r.file_id,
        f.file_name,
        f.file_rank,
        r.record_no,
    from raw_tickets as r
    inner join files as f on f.file_id = r.file_id
),

final as (
    select
        *,
        row_number() over (
            partition by customer_id, occurred_at, touchpoint
            order by file_rank, record_no
        ) > 1 as is_duplicate,
    from joined
)

select * from final
