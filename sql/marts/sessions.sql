-- materialized: view
-- one row per clickstream session (given by the export or cut by inactivity). A view: the report does not read
-- it, and building it cost ~2.4 s per run at 11M events; an analyst's query computes it in about as long.
with events as (
    select * from journey_events where source = 'clickstream'
),

final as (
    select
        session_id,
        customer_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        (epoch(max(occurred_at)) - epoch(min(occurred_at))) / 60.0 as duration_minutes,
        count(*) as n_events,
        arg_min(touchpoint, event_seq) as first_touchpoint,
        arg_max(touchpoint, event_seq) as last_touchpoint,
    from events
    group by session_id, customer_id
)

select * from final
