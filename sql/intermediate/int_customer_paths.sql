-- one row per customer: the touchpoint sequence of the whole case, as touchpoint numbers (int_touchpoint_stages:
-- this run's key), and its length. Named where the distinct paths are (variants) and once per customer in the
-- customers mart, by number there: naming every customer's path here and grouping and joining the name lists after
-- cost 1.4 CPU-s more at 10M events (280k customers, 225k variants), the same marts.
with events as (
    select * from int_events
),

per_customer as (
    select
        customer_no,
        -- unordered lists put in order afterwards: the same path as `list(touchpoint order by event_seq)`, but
        -- an aggregate that spills to disk (the ordered one holds every customer in memory: 100M events failed).
        -- The touchpoints picked by the event numbers' sort order: sorting {event_seq, touchpoint} structs took
        -- 2.4-3.1 s at 11M events, this 1.9-2.1 s; collecting numbers, not names, 1.4 -> 1.0 s
        list_select(list(touchpoint_no), list_grade_up(list(event_seq))) as path_nos,
        count(*) as n_events,
        min(occurred_at) as first_at,
        max(occurred_at) as last_at,
    from events
    group by customer_no
),

final as (
    select customer_no, path_nos, n_events, first_at, last_at from per_customer
)

select * from final
