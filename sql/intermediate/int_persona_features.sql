-- materialized: view
-- one row per customer per feature (long form) describing how the customer travels, in four blocks:
-- touchpoint (visits), transition (directly-follows pairs), timing (local time of day, span, sessions),
-- attribute (the customer's usual value of each clickstream attribute, e.g. device=mobile).
-- A view over tables that hold each block already (25 rows per customer at 10M events: copying them into one
-- more table cost more than reading them twice)
with names as (
    select touchpoint_no, touchpoint from int_touchpoint_stages
),

touchpoints as (
    select c.customer_no, 'touchpoint' as block, n.touchpoint as feature, c.n_events * 1.0 as value
    from int_customer_touchpoints as c
    inner join names as n on n.touchpoint_no = c.touchpoint_no
),

transitions as (
    select c.customer_no, 'transition' as block, f.touchpoint || ' > ' || t.touchpoint as feature,
        c.n_transitions * 1.0 as value
    from int_customer_transitions as c
    inner join names as f on f.touchpoint_no = c.from_touchpoint_no
    inner join names as t on t.touchpoint_no = c.to_touchpoint_no
),

habits as (
    select customer_no, block, feature, value from int_customer_habits
),

final as (
    select * from touchpoints
    union all
    select * from transitions
    union all
    select * from habits
)

select * from final
