-- materialized: view
-- one row per event of either source (duplicates removed), numbered in case order within each customer, with
-- the touchpoint that directly follows it in the case and the seconds until then (null for the case's last event),
-- the stage order of the customer's last mapped event before it (null before the first), and the customer's last
-- click before it with the seconds since (null before the first click);
-- file_id and record_no lead back to the loaded row (clickstream attributes: event_attributes); customer_no is
-- the customer's number in int_customer_keys, the key of the per-customer tables; touchpoint_no and
-- next_touchpoint_no are the touchpoints' numbers in int_touchpoint_stages.
-- A view for analysts: int_events holds the same rows keyed by numbers (what the models read); the customer ids
-- and touchpoint names are joined here, where they are read.
with events as (
    select * from int_events
),

customer_keys as (
    select customer_id, customer_no from int_customer_keys
),

stages as (
    select touchpoint_no, touchpoint, stage from int_touchpoint_stages
),

final as (
    select
        k.customer_id,
        e.customer_no,
        e.event_seq,
        e.occurred_at,
        case when e.source_rank = 0 then 'clickstream' else 'tickets' end as source,
        st.touchpoint,
        st.stage,
        e.stage_order,
        e.session_id,
        e.ticket_id,
        e.about_touchpoint,
        e.file_id,
        e.record_no,
        nt.touchpoint as next_touchpoint,
        e.touchpoint_no,
        e.next_touchpoint_no,
        e.seconds_to_next,
        e.previous_stage_order,
        pt.touchpoint as previous_click_touchpoint,
        e.seconds_since_previous_click,
    from events as e
    inner join customer_keys as k on k.customer_no = e.customer_no
    inner join stages as st on st.touchpoint_no = e.touchpoint_no
    left join stages as nt on nt.touchpoint_no = e.next_touchpoint_no
    left join stages as pt on pt.touchpoint_no = e.previous_click_touchpoint_no
)

select * from final
