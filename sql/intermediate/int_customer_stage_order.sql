-- one row per customer: how their sequence of stages (Unmapped left out) relates to the journey's order
with steps as (
    -- mapped events with the mapped stage before them (int_events keeps it: no window here)
    select customer_no, event_seq, stage_order, previous_stage_order
    from int_events
    where stage_order < (select unmapped_stage_order from config_settings)
),

final as (
    select
        customer_no,
        arg_min(stage_order, event_seq) as entry_stage_order,
        count(*) filter (where stage_order > previous_stage_order + 1) as n_skips_ahead,
        count(*) filter (where stage_order < previous_stage_order) as n_backsteps,
        max(stage_order) as furthest_stage_order,
    from steps
    group by customer_no
)

select * from final
