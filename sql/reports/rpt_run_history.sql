-- one row per run (earlier runs and this one) and headline figure, stage reach or pain point score
with all_runs as (
    select run_id, started_at, summary from runs
    union all
    select run_id, started_at, summary from current_run
),

headline as (
    select run_id, started_at, m.metric_group, m.metric, m.value
    from all_runs
    cross join lateral (
        select * from (values
            ('counts', 'customers', cast(summary ->> '$.counts.customers' as double)),
            ('counts', 'events', cast(summary ->> '$.counts.events' as double)),
            ('counts', 'tickets', cast(summary ->> '$.counts.tickets' as double)),
            ('counts', 'distinct paths', cast(summary ->> '$.counts.distinct_paths' as double)),
            ('conformance', 'fitness', cast(summary ->> '$.conformance.fitness' as double)),
            ('conformance', 'conforming share', cast(summary ->> '$.conformance.conforming_share' as double))
        ) as v(metric_group, metric, value)
    ) as m
),

stages as (
    select run_id, started_at, 'stage reach' as metric_group, s.value ->> 'name' as metric,
        cast(s.value ->> 'customers' as double) as value
    from all_runs, json_each(summary -> '$.stages') as s
),

pains as (
    select run_id, started_at, 'pain score' as metric_group, p.value ->> 'touchpoint' as metric,
        cast(p.value ->> 'score' as double) as value
    from all_runs, json_each(summary -> '$.pain_points') as p
)

select * from headline where value is not null
union all select * from stages
union all select * from pains
order by metric_group, metric, run_id
