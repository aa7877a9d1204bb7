-- one row per customer and touchpoint they did: how often (all events, clickstream events).
-- Reach (per persona, and in the touchpoints mart) is a count of these rows; computing it here once keeps the
-- marts and report models from grouping the whole event table again. The stage is not repeated on every row (writing it cost more than
-- the readers' join of their few grouped rows to int_touchpoint_stages).
with events as (
    select customer_no, touchpoint, source from journey_events
),

final as (
    select
        customer_no,
        touchpoint,
        count(*) as n_events,
        count(*) filter (where source = 'clickstream') as n_clicks,
    from events
    group by customer_no, touchpoint
)

select * from final
