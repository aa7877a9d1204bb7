-- one row per pair of stages (from -> to) that follow each other directly within a case
-- not materialized: each use reads the journey_events view again, cheaper than keeping 11M pairs aside
with pairs as not materialized (
    select customer_no, from_stage_order, to_stage_order, seconds_between from int_transitions
    where from_stage_order <> to_stage_order
),

settings as (
    select * from config_settings
),

stage_names as (
    -- Unmapped included: its touchpoints have a row here too
    select distinct stage, stage_order from int_touchpoint_stages
),

gap_counts as (
    -- pairs are grouped by their stages' numbers and named after (grouping 10M pairs by the stage strings
    -- took ~0.2 s more at 11M events), the two numbers as one integer rather than a struct (as in transitions)
    select (from_stage_order::bigint << 32) | to_stage_order::bigint as key, seconds_between as value,
        count(*) as n
    from pairs
    where seconds_between is not null
    group by all
),

gap_quantiles as (
    -- exact, from how often each gap occurs (sql/macros/quantiles_from_counts.sql: spills, unlike median())
    select
        key >> 32 as from_stage_order,
        key & 4294967295 as to_stage_order,
        median / 3600.0 as median_hours,
        p90 / 3600.0 as p90_hours,
    from quantiles_from_counts('gap_counts')
),

per_pair as (
    select
        f.stage as from_stage,
        t.stage as to_stage,
        g.from_stage_order,
        g.to_stage_order,
        g.n_transitions,
        g.customers,
        case
            when g.from_stage_order = (select unmapped_stage_order from settings)
                or g.to_stage_order = (select unmapped_stage_order from settings) then 'unmapped'
            when g.to_stage_order < g.from_stage_order then 'back'
            when g.to_stage_order = g.from_stage_order + 1 then 'next'
            else 'skip ahead'
        end as direction,
    from (
        select from_stage_order, to_stage_order, count(*) as n_transitions, count(distinct customer_no) as customers,
        from pairs
        group by from_stage_order, to_stage_order
    ) as g
    inner join stage_names as f on f.stage_order = g.from_stage_order
    inner join stage_names as t on t.stage_order = g.to_stage_order
),

final as (
    select
        p.from_stage,
        p.to_stage,
        p.from_stage_order,
        p.to_stage_order,
        p.n_transitions,
        p.customers,
        q.median_hours,
        q.p90_hours,
        p.direction,
    from per_pair as p
    left join gap_quantiles as q
        on q.from_stage_order = p.from_stage_order and q.to_stage_order = p.to_stage_order
)

select * from final order by from_stage_order, to_stage_order
