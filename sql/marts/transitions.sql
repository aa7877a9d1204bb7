-- one row per directly-follows pair (from -> to) within a case, both sources together.
-- median and p90 hours are exact, from how often each gap occurs (sql/macros/quantiles_from_counts.sql: the
-- values median() and quantile_cont() give, computed in a way that spills to disk)
-- pairs: read once, for the gaps; the counts per pair come from int_customer_transitions, which has already
-- grouped them by customer (counting distinct customers here again took 1 of 2 s at 11M events)
with pairs as (
    -- numbers only: read from int_events rather than through the int_transitions view's naming joins (as
    -- int_customer_transitions does)
    select
        touchpoint_no as from_touchpoint_no,
        next_touchpoint_no as to_touchpoint_no,
        seconds_to_next as seconds_between,
    from int_events
    where next_touchpoint_no is not null
),

customer_pairs as (
    select * from int_customer_transitions
),

stages as (
    select touchpoint_no, touchpoint, stage, stage_order from int_touchpoint_stages
),

per_pair as (
    select
        c.from_touchpoint_no,
        c.to_touchpoint_no,
        f.touchpoint as from_touchpoint,
        t.touchpoint as to_touchpoint,
        c.n_transitions,
        c.customers,
        f.stage as from_stage,
        t.stage as to_stage,
        f.stage_order as from_stage_order,
        t.stage_order as to_stage_order,
    from (
        select from_touchpoint_no, to_touchpoint_no, sum(n_transitions)::bigint as n_transitions, count(*) as customers,
        from customer_pairs
        group by from_touchpoint_no, to_touchpoint_no
    ) as c
    inner join stages as f on f.touchpoint_no = c.from_touchpoint_no
    inner join stages as t on t.touchpoint_no = c.to_touchpoint_no
),

gap_counts as (
    -- the pair as one integer (its two 32-bit numbers side by side) rather than a struct: grouping 10M gaps and
    -- the quantiles' window by it took 0.65 CPU-s less at 10M events, the same table
    select (from_touchpoint_no::bigint << 32) | to_touchpoint_no::bigint as key, seconds_between as value,
        count(*) as n
    from pairs
    where seconds_between is not null
    group by all
),

gap_quantiles as (
    select (key >> 32)::integer as from_touchpoint_no, (key & 4294967295)::integer as to_touchpoint_no, median, p90
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
    left join gap_quantiles as q on q.from_touchpoint_no = p.from_touchpoint_no and q.to_touchpoint_no = p.to_touchpoint_no
)

select * from final order by n_transitions desc, from_touchpoint, to_touchpoint
