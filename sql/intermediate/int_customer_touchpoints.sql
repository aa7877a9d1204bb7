-- one row per customer and touchpoint they did (touchpoint_no: int_touchpoint_stages' number for it): how often
-- (all events, clickstream events).
-- Reach (per persona, and in the touchpoints mart) is a count of these rows; computing it here once keeps the
-- marts and report models from grouping the whole event table again. Keyed by numbers, not names: grouping and
-- writing 9M touchpoint names at 11M events cost 0.5-0.7 s more than the readers' joins of their few grouped rows
-- to int_touchpoint_stages (which also gives the stage, not repeated here for the same reason).
with events as (
    select customer_no, touchpoint_no, source_rank from int_events
),

final as (
    select
        customer_no,
        touchpoint_no,
        count(*) as n_events,
        count(*) filter (where source_rank = 0) as n_clicks,
    from events
    group by customer_no, touchpoint_no
)

select * from final
