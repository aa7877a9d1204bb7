-- one row per customer and stage after which they reached a later stage: hours from their first event in the
-- stage to their first later event that belongs to a later stage (Unmapped does not count as later).
-- Computed once here for the stages mart and the time-between-stages chart.
with customer_stages as (
    select * from int_customer_stages
),

settings as (
    select * from config_settings
),

events as (
    select customer_id, event_seq, occurred_at, stage_order from journey_events
    where stage_order < (select unmapped_stage_order from settings)
)

select
    cs.customer_id,
    cs.stage,
    cs.stage_order,
    (min(epoch(e.occurred_at)) - epoch(cs.first_at)) / 3600.0 as hours_to_next_stage,
from customer_stages as cs
inner join events as e
    on e.customer_id = cs.customer_id and e.event_seq > cs.first_event_seq and e.stage_order > cs.stage_order
group by cs.customer_id, cs.stage, cs.stage_order, cs.first_at
