-- one row per source and outcome (loaded, rejected by reason, duplicate), plus unmapped touchpoints: rows
with files as (
    select * from input_files
),

loaded as (
    select source, 'loaded' as outcome, 'loaded' as detail, sum(rows_loaded) as n_rows from files group by source
),

duplicates as (
    select source, 'duplicate' as outcome, 'exact duplicate' as detail, sum(duplicates_dropped) as n_rows
    from files group by source
),

rejected as (
    select source, 'rejected' as outcome, reason as detail, count(*) as n_rows from rejected_rows group by source, reason
),

unmapped as (
    select 'clickstream' as source, 'unmapped' as outcome, touchpoint as detail, events as n_rows
    from touchpoints where is_unmapped
)

select * from loaded
union all select * from duplicates where n_rows > 0
union all select * from rejected
union all select * from unmapped
order by source, outcome, n_rows desc
