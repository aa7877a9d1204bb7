-- one row per customer per habit feature for personas: timing (share of clicks by local time of day, days
-- active and sessions on a log scale) and attribute (the customer's most frequent value of each clickstream
-- attribute, e.g. device=mobile)
with activity as (
    select * from int_customer_activity
),

timing as (
    select customer_no, 'timing' as block, t.feature, t.value
    from (
        select
            customer_no,
            unnest([
                {'feature': 'night', 'value': n_night_clicks / n_clicks},
                {'feature': 'morning', 'value': n_morning_clicks / n_clicks},
                {'feature': 'afternoon', 'value': n_afternoon_clicks / n_clicks},
                {'feature': 'evening', 'value': n_evening_clicks / n_clicks},
                {'feature': 'days active', 'value': ln(1 + span_seconds / 86400.0)},
                {'feature': 'sessions', 'value': ln(1 + n_sessions)},
            ]) as t,
        from activity
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

usual_values as (
    select customer_id, attribute, attribute_value
    from attribute_values
    qualify row_number() over (partition by customer_id, attribute order by n desc, attribute_value) = 1
),

attributes as (
    -- the clicks' attributes are read from stg_clickstream, by customer id: numbered once grouped
    select k.customer_no, 'attribute' as block, u.attribute || '=' || u.attribute_value as feature, 1.0 as value
    from usual_values as u
    inner join int_customer_keys as k on k.customer_id = u.customer_id
),

final as (
    select * from timing
    union all
    select * from attributes
)

select * from final
