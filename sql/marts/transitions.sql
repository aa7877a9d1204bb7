-- one row per directly-follows pair (from -> to) within a case, both sources together.
-- median and p90 hours are exact, computed from how often each gap occurs (the same values median() and
-- quantile_cont() give: quantile q interpolates between the values at ranks floor and ceil of q * (n - 1)).
-- DuckDB's quantile aggregates keep every value in memory and do not spill: at 100M events they filled the disk.
with pairs as (
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
    select from_touchpoint, to_touchpoint, seconds_between, count(*) as n
    from pairs
    where seconds_between is not null
    group by from_touchpoint, to_touchpoint, seconds_between
),

gap_ranks as (
    select
        *,
        sum(n) over (
            partition by from_touchpoint, to_touchpoint order by seconds_between
            rows between unbounded preceding and current row
        ) as n_up_to,
        sum(n) over (partition by from_touchpoint, to_touchpoint) - 1 as last_rank,
    from gap_counts
),

gap_quantiles as (
    select
        from_touchpoint,
        to_touchpoint,
        min(seconds_between) filter (where n_up_to > floor(0.5 * last_rank)) as median_low,
        min(seconds_between) filter (where n_up_to > ceil(0.5 * last_rank)) as median_high,
        any_value(0.5 * last_rank - floor(0.5 * last_rank)) as median_fraction,
        min(seconds_between) filter (where n_up_to > floor(0.9 * last_rank)) as p90_low,
        min(seconds_between) filter (where n_up_to > ceil(0.9 * last_rank)) as p90_high,
        any_value(0.9 * last_rank - floor(0.9 * last_rank)) as p90_fraction,
    from gap_ranks
    group by from_touchpoint, to_touchpoint
),

final as (
    select
        p.from_touchpoint,
        p.to_touchpoint,
        p.n_transitions,
        p.customers,
        (q.median_low + q.median_fraction * (q.median_high - q.median_low)) / 3600.0 as median_hours,
        (q.p90_low + q.p90_fraction * (q.p90_high - q.p90_low)) / 3600.0 as p90_hours,
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
