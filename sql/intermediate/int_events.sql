-- one row per event of either source (duplicates removed), keyed by numbers: the table behind the journey_events
-- view, which names what is numbered here (customer_no: int_customer_keys; touchpoint_no, next_touchpoint_no,
-- previous_click_touchpoint_no: int_touchpoint_stages; source_rank 0 = clickstream, 1 = tickets). The models read
-- this table; analysts read journey_events. Writing customer ids and touchpoint names into 11M rows cost 2.0-2.3 s
-- of the 7.0-7.4 s this model took at 11M events (the same rows, now joined by the view where they are read).
-- Events are numbered in case order within each customer, with the touchpoint that directly follows each in the
-- case and the seconds until then (null for the case's last event), the stage order of the customer's last mapped
-- event before it (null before the first), and the customer's last click before it with the seconds since (null
-- before the first click); file_id and record_no lead back to the loaded row (clickstream attributes:
-- event_attributes)
-- not materialized: a clicks CTE read three times was kept aside whole (11M rows); read where used instead,
-- each reader takes only its columns (7.7 instead of 8.9 s at 11M events with session ids, 14 instead of 27 s
-- without, the same table)
with clicks as not materialized (
    select * from stg_clickstream where not is_duplicate
),

tickets as (
    select * from stg_tickets where not is_duplicate
),

stages as (
    select * from int_touchpoint_stages
),

customer_keys as (
    select customer_id, customer_no from int_customer_keys
),

about_rules as (
    select * from config_about
),

settings as (
    select * from config_settings
),

events as (
    -- only what the case order, the last click and the ticket columns need travel through the sort (a join
    -- back to the tickets after it took 0.4 s at 11M events)
    select
        customer_id,
        occurred_at,
        0::utinyint as source_rank,
        file_id,
        file_rank,
        record_no,
        touchpoint,
        session_id as given_session_id,
        cast(null as varchar) as ticket_id,
        cast(null as varchar) as category,
    from clicks
    union all
    select
        customer_id,
        occurred_at,
        1::utinyint as source_rank,
        file_id,
        file_rank,
        record_no,
        touchpoint,
        cast(null as varchar) as given_session_id,
        ticket_id,
        category,
    from tickets
),

staged as (
    -- what travels through the sort is narrow: the customer's number instead of its id, the touchpoint's number
    -- instead of its name (both joined back after it), small integer types (together 8.1 -> 7.0 s at 11M events)
    select
        e.* exclude (customer_id, touchpoint, file_rank),
        e.file_rank::integer as file_rank,
        k.customer_no,
        st.touchpoint_no,
        case when st.stage_order < s.unmapped_stage_order then st.stage_order::smallint end as mapped_stage_order,
    from events as e
    inner join customer_keys as k on k.customer_id = e.customer_id
    inner join stages as st on st.touchpoint = e.touchpoint
    cross join settings as s
),

ordered as (
    -- one sort per customer serves the case order, the next event, the last click and the last mapped stage
    -- before each event (the stage step the stage models count: their own window over mapped events took 1.5 s
    -- at 11M events, this column 0.5 s). `lag(… ignore nulls)`: the last non-null value before the row, as
    -- `last_value(… ignore nulls)` over the rows before it gives, ~0.2 s less at 11M events
    select
        *,
        row_number() over w as event_seq,
        lead(touchpoint_no) over w as next_touchpoint_no,
        lead(occurred_at) over w as next_at,
        lag(case when source_rank = 0 then touchpoint_no end ignore nulls) over w as previous_touchpoint_no,
        lag(case when source_rank = 0 then occurred_at end ignore nulls) over w as previous_at,
        lag(mapped_stage_order ignore nulls) over w as previous_stage_order,
    from staged
    window w as (partition by customer_no order by occurred_at, source_rank, file_rank, record_no)
),

cutting_customers as (
    -- customers with clicks that carry no session id: their clicks are cut into sessions
    select distinct customer_id from clicks where session_id is null
),

session_starts as (
    -- a click opens a session when it is the customer's first or comes after the inactivity gap; clicks keep
    -- their relative order in the case order (tickets sort after clicks at the same time), so numbering the
    -- clicks alone numbers the sessions. Reads the clicks again rather than `ordered`, which stays one pass.
    select
        file_id,
        record_no,
        customer_id || '#' || cast(sum(
            case when gap_seconds is null or gap_seconds > s.inactivity_minutes * 60 then 1 else 0 end
        ) over (partition by customer_id order by occurred_at, file_rank, record_no
                rows between unbounded preceding and current row) as varchar) as session_id,
    from (
        select
            c.customer_id,
            c.occurred_at,
            c.file_id,
            c.file_rank,
            c.record_no,
            epoch(c.occurred_at) - epoch(lag(c.occurred_at) over (
                partition by c.customer_id order by c.occurred_at, c.file_rank, c.record_no
            )) as gap_seconds,
        from clicks as c
        semi join cutting_customers as k on k.customer_id = c.customer_id
    )
    cross join settings as s
),

final as (
    select
        o.customer_no,
        o.event_seq,
        o.occurred_at,
        o.source_rank,
        o.touchpoint_no,
        st.stage_order,
        case
            when o.source_rank = 1 then null
            when o.given_session_id is not null then o.given_session_id
            else cs.session_id
        end as session_id,
        o.ticket_id,
        case
            when o.source_rank = 0 then null
            when ab.touchpoint is not null then ab.touchpoint
            when epoch(o.occurred_at) - epoch(o.previous_at) <= s.about_window_days * 86400
                then pt.touchpoint
        end as about_touchpoint,
        o.file_id,
        o.record_no,
        o.next_touchpoint_no,
        epoch(o.next_at) - epoch(o.occurred_at) as seconds_to_next,
        o.previous_stage_order::bigint as previous_stage_order,
        o.previous_touchpoint_no as previous_click_touchpoint_no,
        epoch(o.occurred_at) - epoch(o.previous_at) as seconds_since_previous_click,
    from ordered as o
    cross join settings as s
    inner join stages as st on st.touchpoint_no = o.touchpoint_no
    left join stages as pt on o.source_rank = 1 and pt.touchpoint_no = o.previous_touchpoint_no
    left join session_starts as cs on o.source_rank = 0 and cs.file_id = o.file_id and cs.record_no = o.record_no
    left join about_rules as ab on ab.category = o.category
)

select * from final
