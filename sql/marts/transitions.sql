-- one row per directly-follows pair (from -> to) within a case, both sources together.
-- median and p90 hours are exact, from how often each gap occurs (sql/macros/quantiles_from_counts.sql: the
-- values median() and quantile_cont() give, computed in a way that spills to disk)
-- not materialized: each use reads the journey_events view again, cheaper than keeping 11M pairs aside
with pairs as not materialized (
    select * from int_transitions
),

per_pair as (
    select
        from_touchpoint,
        to_touchpoint,
        count(*) as n_transitions,
        count(distinct customer_id) as customers,
        any_value(from_stage) as from_stage,
        any_value(to_stage) as to_stage,
        any_value(from_stage_order) as from_stage_order,
        any_value(to_stage_order) as to_stage_order,
    from pairs
    group by from_touchpoint, to_touchpoint
),

gap_counts as (
    select {from_touchpoint: from_touchpoint, to_touchpoint: to_touchpoint} as key, seconds_between as value, count(*) as n
    from pairs
    where seconds_between is not null
    group by all
),

gap_quantiles as (
    select key.from_touchpoint, key.to_touchpoint, median, p90
    from quantiles_from_counts('gap_counts')
),

final as (
    select
        p.from_touchpoint,
        p.to_touchpoint,
        p.n_transitions,
        p.customers,
        q.median / 3600.0 as median_hours,
        q.p90 / 3600.0 as p90_hours,
        p.from_stage,
        p.to_stage,
        case
            when p.to_stage_order < p.from_stage_order then 'back'
            when p.to_stage_order > p.from_stage_order then 'forward'
            else 'within'
        end as direction,
    from per_pair as p
    left join gap_quantiles as q on q.from_touchpoint = p.from_touchpoint and q.to_touchpoint = p.to_touchpoint
)

select * from final order by n_transitions desc, from_touchpoint, to_touchpoint
