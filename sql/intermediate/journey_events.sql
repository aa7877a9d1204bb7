-- one row per event of either source (duplicates removed), numbered in case order within each customer
with clicks as (
    select * from stg_clickstream where not is_duplicate
),

tickets as (
    select * from stg_tickets where not is_duplicate
),

stages as (
    select * from int_touchpoint_stages
),

about_rules as (
    select * from config_about
),

settings as (
    select * from config_settings
),

events as (
    select
        customer_id,
        occurred_at,
        'clickstream' as source,
        0 as source_rank,
        file_name,
        record_no,
        touchpoint,
        session_id as given_session_id,
        cast(null as varchar) as ticket_id,
        cast(null as varchar) as category,
        attributes,
    from clicks
    union all
    select
        customer_id,
        occurred_at,
        'tickets' as source,
        1 as source_rank,
        file_name,
        record_no,
        touchpoint,
        cast(null as varchar) as given_session_id,
        ticket_id,
        category,
        cast(null as map(varchar, varchar)) as attributes,
    from tickets
),

ordered as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by occurred_at, source_rank, file_name, record_no
        ) as event_seq,
    from events
),

click_gaps as (
    -- seconds since the same customer's previous clickstream event (tickets do not open or extend sessions)
    select
        customer_id,
        event_seq,
        epoch(occurred_at) - epoch(lag(occurred_at) over (partition by customer_id order by event_seq))
            as seconds_since_previous,
    from ordered
    where source = 'clickstream'
),

click_sessions as (
    select
        g.customer_id,
        g.event_seq,
        sum(case when g.seconds_since_previous is null or g.seconds_since_previous > s.inactivity_minutes * 60
                 then 1 else 0 end)
            over (partition by g.customer_id order by g.event_seq rows between unbounded preceding and current row)
            as session_no,
    from click_gaps as g
    cross join settings as s
),

previous_click as (
    -- for each event: the customer's last clickstream touchpoint strictly before it in case order
    select
        customer_id,
        event_seq,
        last_value(case when source = 'clickstream' then touchpoint end ignore nulls) over w as previous_touchpoint,
        last_value(case when source = 'clickstream' then occurred_at end ignore nulls) over w as previous_at,
    from ordered
    window w as (partition by customer_id order by event_seq rows between unbounded preceding and 1 preceding)
),

final as (
    select
        o.customer_id,
        o.event_seq,
        o.occurred_at,
        o.source,
        o.touchpoint,
        st.stage,
        st.stage_order,
        case
            when o.source = 'tickets' then null
            when o.given_session_id is not null then o.given_session_id
            else o.customer_id || '#' || cast(cs.session_no as varchar)
        end as session_id,
        o.ticket_id,
        case
            when o.source <> 'tickets' then null
            when ab.touchpoint is not null then ab.touchpoint
            when epoch(o.occurred_at) - epoch(pc.previous_at) <= s.about_window_days * 86400
                then pc.previous_touchpoint
        end as about_touchpoint,
        o.attributes,
        o.file_name,
        o.record_no,
    from ordered as o
    cross join settings as s
    inner join stages as st on st.touchpoint = o.touchpoint
    left join click_sessions as cs on cs.customer_id = o.customer_id and cs.event_seq = o.event_seq
    left join previous_click as pc on pc.customer_id = o.customer_id and pc.event_seq = o.event_seq
    left join about_rules as ab on ab.category = o.category
)

select * from final
