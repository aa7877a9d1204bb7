-- one row per customer per habit feature for personas: timing (share of clicks by local time of day, days
-- active and sessions on a log scale) and attribute (the customer's most frequent value of each clickstream
-- attribute, e.g. device=mobile)
with events as (
    select * from journey_events
),

settings as (
    select * from config_settings
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
            customer_id,
            occurred_at,
            session_id,
            case when source = 'clickstream' then hour(timezone((select timezone from settings), occurred_at)) end
                as local_hour,
        from events
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
