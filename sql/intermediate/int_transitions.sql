-- one row per pair of consecutive events within a case (directly-follows), with both stages and the gap
with events as (
    select customer_id, event_seq, occurred_at, touchpoint from journey_events
),

stages as (
    select touchpoint, stage, stage_order from int_touchpoint_stages
),

pairs as (
    -- only the touchpoint and the time travel through the sort; the stages join after it
    select
        customer_id,
        event_seq as from_event_seq,
        touchpoint as from_touchpoint,
        lead(touchpoint) over w as to_touchpoint,
        epoch(lead(occurred_at) over w) - epoch(occurred_at) as seconds_between,
    from events
    window w as (partition by customer_id order by event_seq)
),

final as (
    select
        p.customer_id,
        p.from_event_seq,
        p.from_touchpoint,
        f.stage as from_stage,
        f.stage_order as from_stage_order,
        p.to_touchpoint,
        t.stage as to_stage,
        t.stage_order as to_stage_order,
        p.seconds_between,
    from pairs as p
    inner join stages as f on f.touchpoint = p.from_touchpoint
    inner join stages as t on t.touchpoint = p.to_touchpoint
    where p.to_touchpoint is not null  -- a case's last event follows nothing
)

select * from final
