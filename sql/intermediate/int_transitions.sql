-- materialized: view
-- one row per pair of consecutive events within a case (directly-follows), with both stages and the gap.
-- A view: int_events already carries each event's next touchpoint (found in the same sort as the case order),
-- so the pairs cost joins with the stage table wherever they are read, not another sort and an 11M-row copy.
-- Keyed by customer_no (the customer id: int_customer_keys; DuckDB does not leave out a join whose columns are
-- not read, and joining 1.25M ids to 10M pairs cost every reader ~0.1-0.2 s at 11M events)
-- Readers that need only the numbers (int_customer_transitions, transitions) read int_events' next touchpoint
-- directly: these naming joins run even when no name is read.
with events as (
    select customer_no, event_seq, touchpoint_no, stage_order, next_touchpoint_no, seconds_to_next,
    from int_events
),

stages as (
    select touchpoint_no, touchpoint, stage, stage_order from int_touchpoint_stages
),

final as (
    select
        e.customer_no,
        e.event_seq as from_event_seq,
        f.touchpoint as from_touchpoint,
        e.touchpoint_no as from_touchpoint_no,
        f.stage as from_stage,
        e.stage_order as from_stage_order,
        t.touchpoint as to_touchpoint,
        e.next_touchpoint_no as to_touchpoint_no,
        t.stage as to_stage,
        t.stage_order as to_stage_order,
        e.seconds_to_next as seconds_between,
    from events as e
    inner join stages as t on t.touchpoint_no = e.next_touchpoint_no  -- a case's last event follows nothing
    inner join stages as f on f.touchpoint_no = e.touchpoint_no
)

select * from final
