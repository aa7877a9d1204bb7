-- one row per customer per stage reached: first and last event, events in it
with events as (
    select customer_no, stage_order, occurred_at, event_seq from int_events
),

stage_names as (
    select distinct stage, stage_order from int_touchpoint_stages
),

per_stage as (
    select
        customer_no,
        stage_order,
        min(occurred_at) as first_at,
        max(occurred_at) as last_at,
        min(event_seq) as first_event_seq,
        count(*) as n_events,
    from events
    group by customer_no, stage_order
),

final as (
    -- the stage name joins the grouped rows, rather than riding along as a grouping key
    select p.customer_no, s.stage, p.stage_order, p.first_at, p.last_at, p.first_event_seq, p.n_events,
    from per_stage as p
    inner join stage_names as s on s.stage_order = p.stage_order
)

select * from final
