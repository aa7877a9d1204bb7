-- one row per customer: the touchpoint sequence of the whole case and its length
with events as (
    select * from journey_events
),

final as (
    select
        customer_no,
        -- unordered lists put in order afterwards: the same path as `list(touchpoint order by event_seq)`, but
        -- an aggregate that spills to disk (the ordered one holds every customer in memory: 100M events failed).
        -- The touchpoints picked by the event numbers' sort order: sorting {event_seq, touchpoint} structs took
        -- 2.4-3.1 s at 11M events, this 1.9-2.1 s
        list_select(list(touchpoint), list_grade_up(list(event_seq))) as path,
        count(*) as n_events,
        min(occurred_at) as first_at,
        max(occurred_at) as last_at,
    from events
    group by customer_no
)

select * from final
