-- one row per customer and touchpoint they did: how often (all events, clickstream events), with the stage.
-- Reach per persona and touchpoint is a count of these rows; computing it here once keeps the report models
-- from grouping the whole event table again.
with events as (
    select customer_id, touchpoint, source from journey_events
),

stages as (
    select touchpoint, stage, stage_order from int_touchpoint_stages
),

counts as (
    select
        customer_id,
        touchpoint,
        count(*) as n_events,
        count(*) filter (where source = 'clickstream') as n_clicks,
    from events
    group by customer_id, touchpoint
),

final as (
    -- the stage joins the counted rows (a small table), rather than riding along in the grouping
    select c.customer_id, c.touchpoint, s.stage, s.stage_order, c.n_events, c.n_clicks,
    from counts as c
    inner join stages as s on s.touchpoint = c.touchpoint
)

select * from final
