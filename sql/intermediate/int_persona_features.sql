-- materialized: view
-- one row per customer per feature (long form) describing how the customer travels, in four blocks:
-- touchpoint (visits), transition (directly-follows pairs), timing (local time of day, span, sessions),
-- attribute (the customer's most frequent value of each clickstream attribute, e.g. device=mobile).
-- A view: 25 rows per customer at 10M events; personas read one block at a time, rpt_persona_traits once.
with events as (
    select * from journey_events
),

settings as (
    select * from config_settings
),

touchpoints as (
    select customer_id, 'touchpoint' as block, touchpoint as feature, n_events * 1.0 as value
    from int_customer_touchpoints
),

transitions as (
    select customer_id, 'transition' as block, from_touchpoint || ' > ' || to_touchpoint as feature, count(*) * 1.0 as value
    from int_transitions
    group by customer_id, from_touchpoint, to_touchpoint
),

local_hours as (
    select
        customer_id,
        hour(timezone((select timezone from settings), occurred_at)) as local_hour,
    from events
    where source = 'clickstream'
),

day_parts as (
    select
        customer_id,
        'timing' as block,
        case
            when local_hour < 6 then 'night'
            when local_hour < 12 then 'morning'
            when local_hour < 18 then 'afternoon'
            else 'evening'
        end as feature,
        count(*) * 1.0 / sum(count(*)) over (partition by customer_id) as value,
    from local_hours
    group by customer_id, feature
),

spans as (
    select customer_id, 'timing' as block, 'days active' as feature, ln(1 + (epoch(max(occurred_at)) - epoch(min(occurred_at))) / 86400.0) as value
    from events
    group by customer_id
    union all
    select customer_id, 'timing' as block, 'sessions' as feature, ln(1 + count(distinct session_id)) as value
    from events
    where session_id is not null
    group by customer_id
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
    select * from touchpoints
    union all
    select * from transitions
    union all
    select * from day_parts
    union all
    select * from spans where value > 0
    union all
    select * from attributes
)

select * from final
