-- one row per customer: the touchpoint sequence of the whole case and its length
with events as (
    select * from journey_events
),

final as (
    select
        customer_id,
        -- an unordered list sorted afterwards: the same path as `list(touchpoint order by event_seq)`, but an
        -- aggregate that spills to disk (the ordered one holds every customer in memory: 100M events failed)
        list_transform(
            list_sort(list({'event_seq': event_seq, 'touchpoint': touchpoint})), lambda e: e.touchpoint
        ) as path,
        count(*) as n_events,
        min(occurred_at) as first_at,
        max(occurred_at) as last_at,
    from events
    group by customer_id
)

select * from final
