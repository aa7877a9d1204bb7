-- one row per directly-follows pair (from -> to) within a case, both sources together
with events as (
    select customer_id, event_seq, occurred_at, touchpoint from journey_events
),

pairs as (
    select
        customer_id,
        touchpoint as from_touchpoint,
        lead(touchpoint) over w as to_touchpoint,
        (epoch(lead(occurred_at) over w) - epoch(occurred_at)) / 3600.0 as hours_between,
    from events
    window w as (partition by customer_id order by event_seq)
),

final as (
    select
        from_touchpoint,
        to_touchpoint,
        count(*) as n_transitions,
        count(distinct customer_id) as customers,
        median(hours_between) as median_hours,
        quantile_cont(hours_between, 0.9) as p90_hours,
    from pairs
    where to_touchpoint is not null
    group by from_touchpoint, to_touchpoint
)

select * from final order by n_transitions desc, from_touchpoint, to_touchpoint
