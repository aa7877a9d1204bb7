-- one row per ticket row loaded from any file; exact duplicates flagged, not removed
with raw_tickets as (
    select * from raw_tickets
),

files as (
    select file_id, file_name from ingested_files
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
        r.record_no,
    from raw_tickets as r
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
