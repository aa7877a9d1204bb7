-- one row per customer and touchpoint they did: how often (all events, clickstream events), with the stage.
-- Reach per persona and touchpoint is a count of these rows; computing it here once keeps the report models
-- from grouping the whole event table again.
with events as (
    select customer_id, touchpoint, stage, stage_order, source from journey_events
)

select
    customer_id,
    touchpoint,
    any_value(stage) as stage,
    any_value(stage_order) as stage_order,
    count(*) as n_events,
    count(*) filter (where source = 'clickstream') as n_clicks,
from events
group by customer_id, touchpoint
