-- one row per customer: the touchpoint sequence of the whole case and its length
with events as (
    select * from journey_events
),

final as (
    select
        customer_id,
        list(touchpoint order by event_seq) as path,
        count(*) as n_events,
        min(occurred_at) as first_at,
        max(occurred_at) as last_at,
    from events
    group by customer_id
)

select * from final
