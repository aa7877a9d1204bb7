-- one row per pair of consecutive events within a case (directly-follows), with both stages and the gap
with events as (
    select customer_id, event_seq, occurred_at, touchpoint, stage, stage_order from journey_events
),

pairs as (
    select
        customer_id,
        event_seq as from_event_seq,
        touchpoint as from_touchpoint,
        stage as from_stage,
        stage_order as from_stage_order,
        lead(touchpoint) over w as to_touchpoint,
        lead(stage) over w as to_stage,
        lead(stage_order) over w as to_stage_order,
        epoch(lead(occurred_at) over w) - epoch(occurred_at) as seconds_between,
    from events
    window w as (partition by customer_id order by event_seq)
)

select * from pairs where to_touchpoint is not null
