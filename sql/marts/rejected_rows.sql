-- one row per rejected input row: where it was, what it said, and why it was not loaded
with rejects as (
    select * from raw_rejects
),

final as (
    select
        source,
        file_name as file,
        line,
        raw_text,
        reason,
        detail,
        file_id,
    from rejects
)

select * from final order by source, file, line
