-- one row per customer per stage reached: first and last event, events in it
with events as (
    select * from journey_events
),

final as (
    select
        customer_id,
        stage,
        stage_order,
        min(occurred_at) as first_at,
        max(occurred_at) as last_at,
        min(event_seq) as first_event_seq,
        count(*) as n_events,
    from events
    group by customer_id, stage, stage_order
)

select * from final
