-- one row per customer per habit feature for personas: timing (share of clicks by local time of day, days
-- active and sessions on a log scale) and attribute (the customer's most frequent value of each clickstream
-- attribute, e.g. device=mobile)
with events as (
    select * from journey_events
),

settings as (
    select * from config_settings
),

quarter_hours as (
    -- the local hour of every UTC quarter hour with a click, converted once per quarter hour rather than once
    -- per click (time zones since 1970 are offset by whole quarter hours); a quarter hour that starts and ends
    -- in different local hours (an odd offset, e.g. Monrovia until 1972) gets null: its clicks convert one by one
    select q, case when start_hour = end_hour then start_hour end as local_hour
    from (
        select
            q,
            hour(timezone((select timezone from settings), to_timestamp(q * 900))) as start_hour,
            hour(timezone((select timezone from settings), to_timestamp((q + 1) * 900) - interval 1 microsecond))
                as end_hour,
        from (select distinct epoch_us(occurred_at) // 900000000 as q from journey_events where source = 'clickstream')
    )
),

per_customer as (
    -- one pass over the events: clicks by local time of day, span, sessions
    select
        customer_id,
        count(local_hour) as n_clicks,
        count(*) filter (where local_hour < 6) as n_night,
        count(*) filter (where local_hour >= 6 and local_hour < 12) as n_morning,
        count(*) filter (where local_hour >= 12 and local_hour < 18) as n_afternoon,
        count(*) filter (where local_hour >= 18) as n_evening,
        epoch(max(occurred_at)) - epoch(min(occurred_at)) as span_seconds,
        count(distinct session_id) as n_sessions,
    from (
        select
            e.customer_id,
            e.occurred_at,
            e.session_id,
            case
                when e.source = 'clickstream'
                    then coalesce(qh.local_hour, hour(timezone((select timezone from settings), e.occurred_at)))
            end as local_hour,
        from events as e
        left join quarter_hours as qh
            on e.source = 'clickstream' and qh.q = epoch_us(e.occurred_at) // 900000000
    )
    group by customer_id
),

timing as (
    select customer_id, 'timing' as block, t.feature, t.value
    from (
        select
            customer_id,
            unnest([
                {'feature': 'night', 'value': n_night / n_clicks},
                {'feature': 'morning', 'value': n_morning / n_clicks},
                {'feature': 'afternoon', 'value': n_afternoon / n_clicks},
                {'feature': 'evening', 'value': n_evening / n_clicks},
                {'feature': 'days active', 'value': ln(1 + span_seconds / 86400.0)},
                {'feature': 'sessions', 'value': ln(1 + n_sessions)},
            ]) as t,
        from per_customer
    )
    where t.value > 0
),

attribute_values as (
    select customer_id, entry.key as attribute, entry.value as attribute_value, count(*) as n
    from (
        select customer_id, unnest(map_entries(attributes)) as entry
        from stg_clickstream
        where not is_duplicate and attributes is not null
    )
    where entry.value is not null
    group by customer_id, entry.key, entry.value
),

attributes as (
    select customer_id, 'attribute' as block, attribute || '=' || attribute_value as feature, 1.0 as value
    from attribute_values
    qualify row_number() over (partition by customer_id, attribute order by n desc, attribute_value) = 1
),

final as (
    select * from timing
    union all
    select * from attributes
)

select * from final
