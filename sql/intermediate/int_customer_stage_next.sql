-- one row per customer and stage after which they reached a later stage: hours from their first event in the
-- stage to their first later event that belongs to a later stage (Unmapped does not count as later).
-- Computed once here for the stages mart and the time-between-stages chart.
-- That first later event always steps up from the mapped event before it, so only step-up events are
-- candidates; an as-of join picks, per customer stage, the first candidate after its first event among those
-- of a later stage. Sort-based, so it spills: an inequality join here ran out of memory on 100M events.
with customer_stages as (
    select * from int_customer_stages
),

settings as (
    select * from config_settings
),

mapped as (
    select
        customer_no,
        event_seq,
        occurred_at,
        stage_order,
        previous_stage_order,  -- the mapped stage before it (int_events keeps it: no window here)
    from int_events
    where stage_order < (select unmapped_stage_order from settings)
),

step_ups as (
    -- each step-up event once for every stage order from the one it steps up from to just below its own: the
    -- stages it can be "next" for. Not those below the previous event's stage: for such a stage, begun before
    -- that event, the previous event is itself a later stage and comes first (2.9M customer stages at 11M
    -- events: 6.6M candidate rows became 3.2M, 3.4 -> 2.7 s, the same table)
    select customer_no, event_seq, occurred_at, unnest(range(previous_stage_order, stage_order)) as below_stage_order
    from mapped
    where stage_order > previous_stage_order
)

select
    cs.customer_no,
    cs.stage,
    cs.stage_order,
    (epoch(e.occurred_at) - epoch(cs.first_at)) / 3600.0 as hours_to_next_stage,
from customer_stages as cs
asof inner join step_ups as e
    on e.customer_no = cs.customer_no
    and e.below_stage_order = cs.stage_order
    and e.event_seq > cs.first_event_seq
