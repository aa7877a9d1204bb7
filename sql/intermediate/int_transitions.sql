-- materialized: view
-- one row per pair of consecutive events within a case (directly-follows), with both stages and the gap.
-- A view: journey_events already carries each event's next touchpoint (found in the same sort as the case order),
-- so the pairs cost a join with the stage table wherever they are read, not another sort and an 11M-row copy.
with events as (
    select
        customer_id,
        customer_no,
        event_seq,
        touchpoint,
        touchpoint_no,
        stage,
        stage_order,
        next_touchpoint,
        next_touchpoint_no,
        seconds_to_next,
    from journey_events
),

stages as (
    select touchpoint_no, stage, stage_order from int_touchpoint_stages
),

final as (
    select
        e.customer_id,
        e.customer_no,
        e.event_seq as from_event_seq,
        e.touchpoint as from_touchpoint,
        e.touchpoint_no as from_touchpoint_no,
        e.stage as from_stage,
        e.stage_order as from_stage_order,
        e.next_touchpoint as to_touchpoint,
        e.next_touchpoint_no as to_touchpoint_no,
        t.stage as to_stage,
        t.stage_order as to_stage_order,
        e.seconds_to_next as seconds_between,
    from events as e
    inner join stages as t on t.touchpoint_no = e.next_touchpoint_no  -- a case's last event follows nothing
)

select * from final
