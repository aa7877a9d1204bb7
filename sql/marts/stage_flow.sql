-- one row per pair of stages (from -> to) that follow each other directly within a case
-- not materialized: each use reads the journey_events view again, cheaper than keeping 11M pairs aside
with pairs as not materialized (
    select * from int_transitions where from_stage <> to_stage
),

settings as (
    select * from config_settings
),

gap_counts as (
    select {from_stage: from_stage, to_stage: to_stage} as key, seconds_between as value, count(*) as n
    from pairs
    where seconds_between is not null
    group by all
),

gap_quantiles as (
    -- exact, from how often each gap occurs (sql/macros/quantiles_from_counts.sql: spills, unlike median())
    select key.from_stage, key.to_stage, median / 3600.0 as median_hours, p90 / 3600.0 as p90_hours
    from quantiles_from_counts('gap_counts')
),

per_pair as (
    select
        from_stage,
        to_stage,
        any_value(from_stage_order) as from_stage_order,
        any_value(to_stage_order) as to_stage_order,
        count(*) as n_transitions,
        count(distinct customer_no) as customers,
        case
            when any_value(from_stage_order) = (select unmapped_stage_order from settings)
                or any_value(to_stage_order) = (select unmapped_stage_order from settings) then 'unmapped'
            when any_value(to_stage_order) < any_value(from_stage_order) then 'back'
            when any_value(to_stage_order) = any_value(from_stage_order) + 1 then 'next'
            else 'skip ahead'
        end as direction,
    from pairs
    group by from_stage, to_stage
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
    left join gap_quantiles as q on q.from_stage = p.from_stage and q.to_stage = p.to_stage
)

select * from final order by from_stage_order, to_stage_order
